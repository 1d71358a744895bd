/**
 * The SubscriberGateway: takes authenticated /subscribe sockets from the
 * HTTP server, runs one session per socket, pings them all on one timer
 * and closes them on shutdown.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '@infrastructor/shared';
import type { CollectRelay, SubscriberGateway, SubscriberPrincipal } from '../ports.js';
import type { HubState } from '../state/hub-state.js';
import type { FanOut } from '../fanout/fan-out.js';
import { CounterMap } from '../fanout/counter-map.js';
import { SubscriberSession } from './subscriber-session.js';
import { DEFAULT_MAX_INFLIGHT_COLLECTS } from './collect-forwarding.js';

export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
export const DEFAULT_PING_INTERVAL_MS = 30_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

export interface SubscriberGatewayOptions {
  state: HubState;
  fanout: FanOut;
  relay: CollectRelay;
  logger: Logger;
  /** A connection that sends no hello within this is closed with HELLO_TIMEOUT. Default 10 s. */
  helloTimeoutMs?: number;
  /** Ping every connection this often; one without a pong since the last ping is terminated. 0 = off. Default 30 s. */
  pingIntervalMs?: number;
  /** close(): how long sessions get to finish the close handshake before they are terminated. Default 2 s. */
  closeTimeoutMs?: number;
  /** Per connection. Default 32. */
  maxInflightCollects?: number;
  /** Default: a random UUID. */
  newCorrelationId?: () => string;
}

export class HubSubscriberGateway implements SubscriberGateway {
  private readonly sessions = new Set<SubscriberSession>();
  private readonly drops = new CounterMap();
  private readonly events = new CounterMap();
  private readonly closes = new CounterMap();
  private accepted = 0;
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: SubscriberGatewayOptions) {
    this.log = options.logger;
    const pingMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (pingMs > 0) {
      this.pingTimer = setInterval(() => {
        for (const s of this.sessions) s.heartbeat();
      }, pingMs);
      this.pingTimer.unref();
    }
  }

  accept(ws: WebSocket, principal: SubscriberPrincipal, request: IncomingMessage): void {
    if (this.closing) {
      this.drops.inc('HUB_SHUTTING_DOWN');
      ws.close(CLOSE_CODES.HUB_SHUTTING_DOWN, 'hub shutting down');
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) {
      // Closed between the upgrade and here: nothing to run.
      this.drops.inc('CLOSED_BEFORE_ACCEPT');
      ws.terminate();
      return;
    }
    this.accepted++;
    const o = this.options;
    const session = new SubscriberSession(ws, principal, request.socket.remoteAddress, {
      state: o.state,
      fanout: o.fanout,
      relay: o.relay,
      logger: this.log,
      helloTimeoutMs: o.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
      maxInflightCollects: o.maxInflightCollects ?? DEFAULT_MAX_INFLIGHT_COLLECTS,
      newCorrelationId: o.newCorrelationId ?? randomUUID,
      drops: this.drops,
      events: this.events,
      onClosed: (s, code) => {
        this.sessions.delete(s);
        this.closes.inc(String(code));
      },
    });
    this.sessions.add(session);
  }

  /** Close (AUTH_REVOKED) every subscriber whose principal `keep` refuses. Returns how many. */
  revokeWhere(keep: (principal: SubscriberPrincipal) => boolean): number {
    let revoked = 0;
    for (const s of [...this.sessions]) {
      if (keep(s.principal)) continue;
      revoked++;
      s.revoke();
    }
    return revoked;
  }

  /** Close every subscriber with HUB_SHUTTING_DOWN and stop the fan-out. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): Record<string, unknown> {
    let topics = 0;
    for (const s of this.sessions) topics += s.topicCount;
    const fanout = this.options.fanout.stats();
    const slow = typeof fanout['slowConsumerDrops'] === 'number' ? fanout['slowConsumerDrops'] : 0;
    return {
      subscribers: this.sessions.size,
      accepted: this.accepted,
      topicPatterns: topics,
      drops: { ...this.drops.toJSON(), ...(slow > 0 && { SLOW_CONSUMER: slow }) },
      closeCodes: this.closes.toJSON(),
      events: this.events.toJSON(),
      fanout,
      state: this.options.state.stats(),
    };
  }

  private async shutdown(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    const sessions = [...this.sessions];
    for (const s of sessions) s.shutdown();
    this.options.fanout.close();
    const all = Promise.all(sessions.map((s) => s.closed));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([all.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      for (const s of this.sessions) s.terminate();
      await all;
    }
    this.log.info({ event: 'subscriber_gateway_closed', subscribers: sessions.length }, 'subscriber gateway closed');
  }
}
