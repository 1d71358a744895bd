/**
 * What the hub link needs from the rest of the agent, as small interfaces:
 * main.ts passes the real store, service, timers and `ws`; tests pass
 * real stores and servers, or their own timers.
 */
import type { ClientOptions, WebSocket } from 'ws';
import type { CollectOptions, CollectResult } from '../service/collection-types.js';
import type { OutboxRecord, OutboxStats, PeekOptions } from '../store/outbox.js';
import type { HubLinkState } from '../store/link-state-store.js';

/** Opens the WebSocket to the hub (undici-style factory, so tests can wrap or replace it). */
export type SocketFactory = (url: string, options: ClientOptions) => WebSocket;

export type TimerHandle = unknown;

/** Timers, injected (never the globals directly). */
export interface LinkTimers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The outbox as the link uses it (store/outbox.ts). */
export interface LinkOutbox {
  peek(options: PeekOptions): OutboxRecord[];
  ack(uptoSeq: number): number;
  /** Highest seq ever acknowledged (records ≤ it were deleted and cannot be resent). */
  ackedThrough(): number;
  stats(): OutboxStats;
  lastSeq(): number;
}

/** Where the link reports its state (store/link-state-store.ts writes it to the meta table). */
export interface LinkStateSink {
  write(state: HubLinkState): void;
}

export type CollectFn = (host: string, command: string, options: CollectOptions) => Promise<CollectResult>;

/** The log calls the link makes (a pino Logger fits). */
export interface LinkLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The counters the link bumps (service/event-counters.ts). */
export interface LinkCounters {
  inc(name: string, by?: number): void;
}

/** Node's own timers, for main.ts. */
export function nodeTimers(): LinkTimers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}
