/**
 * A hub link over a real agent store in a temp folder, with a logger that
 * keeps every line, counters, and a state sink that writes the real meta
 * table and lets a test wait for a state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { encode } from '@infrastructor/shared';
import type { HubConfig } from '../../src/config/agent-config.js';
import { Secret } from '../../src/config/secret.js';
import { EventCounters } from '../../src/service/event-counters.js';
import { openAgentStore, type AgentStore, type AgentStoreOptions } from '../../src/store/agent-store.js';
import { LinkStateStore, type HubLinkState } from '../../src/store/link-state-store.js';
import { HubLink, type HubLinkOptions } from '../../src/stream/hub-link.js';
import { nodeTimers, type LinkTimers } from '../../src/stream/link-ports.js';

export const TOKEN = 'agent-token-0123456789';

export function hubConfig(url: string, overrides: Partial<HubConfig> = {}): HubConfig {
  return {
    url,
    agentId: 'lab-agent',
    token: new Secret(TOKEN),
    insecure: true,
    batchMaxRecords: 500,
    batchMaxBytes: 1024 * 1024,
    windowMaxRecords: 5000,
    windowMaxBytes: 8 * 1024 * 1024,
    reconnectBaseDelayMs: 10,
    reconnectMaxDelayMs: 40,
    pingIntervalMs: 60_000,
    statusIntervalMs: 60_000,
    ...overrides,
  };
}

export interface LogLine {
  level: number;
  event?: string;
  msg?: string;
  [key: string]: unknown;
}

export function capturingLogger(): { logger: Logger; lines: LogLine[]; raw: () => string } {
  const lines: LogLine[] = [];
  let raw = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      raw += text;
      for (const l of text.split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines, raw: () => raw };
}

export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const d = mkdtempSync(join(tmpdir(), 'infra-link-'));
      made.push(d);
      return d;
    },
    cleanup() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function openStore(dir: string, storage: Partial<AgentStoreOptions['storage']> = {}): AgentStore {
  return openAgentStore({
    storage: {
      path: join(dir, 'agent.db'),
      synchronous: 'NORMAL',
      historyRetentionMs: 7 * 86_400_000,
      auditRetentionMs: 7 * 86_400_000,
      outboxMaxBytes: 64 * 1024 * 1024,
      outboxMaxAgeMs: 7 * 86_400_000,
      ...storage,
    },
    logger: pino({ level: 'silent' }),
    clock: Date.now,
  });
}

/** Append `n` result records of `bytes` payload each; returns their seqs. */
export function appendResults(store: AgentStore, n: number, bytes = 32): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) seqs.push(store.outbox.append('result', encode({ i, pad: 'x'.repeat(bytes) })));
  return seqs;
}

type StateWaiter = { match: (s: HubLinkState) => boolean; resolve: (s: HubLinkState) => void };

export interface LinkHarness {
  link: HubLink;
  store: AgentStore;
  counters: EventCounters;
  lines: LogLine[];
  raw: () => string;
  states: HubLinkState[];
  /** The first state written (now or later) that matches. */
  waitForState(match: (s: HubLinkState) => boolean): Promise<HubLinkState>;
}

export function createLink(
  store: AgentStore,
  hub: HubConfig,
  overrides: Partial<HubLinkOptions> = {},
): LinkHarness {
  const { logger, lines, raw } = capturingLogger();
  const counters = new EventCounters();
  const states: HubLinkState[] = [];
  let waiters: StateWaiter[] = [];
  const meta = new LinkStateStore(store.db);
  const link = new HubLink({
    hub,
    site: 'lab',
    version: '0.1.0-test',
    jobs: [],
    epoch: store.epoch,
    outbox: store.outbox,
    collect: () => Promise.reject(new Error('no collection service in this test')),
    state: {
      write(state) {
        meta.write(state);
        states.push(state);
        for (const w of [...waiters]) {
          if (w.match(state)) {
            waiters = waiters.filter((x) => x !== w);
            w.resolve(state);
          }
        }
      },
    },
    logger,
    counters,
    clock: Date.now,
    timers: nodeTimers(),
    random: Math.random,
    ...overrides,
  });
  return {
    link,
    store,
    counters,
    lines,
    raw,
    states,
    waitForState(match) {
      const seen = states.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** Every seq the outbox holds now. */
export function outboxSeqs(store: AgentStore): number[] {
  return store.outbox.peek({ maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER }).map((r) => r.seq);
}

/** Timers a test fires by hand, picked by their delay. */
export function manualTimers(): LinkTimers & { fire(ms: number): number; pending(): number[] } {
  let next = 1;
  const timers = new Map<number, { fn: () => void; ms: number }>();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    /** Run every pending timer with this delay (not ones they schedule). Returns how many ran. */
    fire(ms) {
      const due = [...timers.entries()].filter(([, t]) => t.ms === ms);
      for (const [id, t] of due) {
        timers.delete(id);
        t.fn();
      }
      return due.length;
    },
    pending() {
      return [...timers.values()].map((t) => t.ms);
    },
  };
}
