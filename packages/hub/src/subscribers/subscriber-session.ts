/**
 * One subscriber connection (open when handed over), after authentication: hello → welcome, then
 * subscribe / unsubscribe / collect. Every frame is decoded into unknown
 * and checked with the shared parser; a frame that fails closes only this
 * connection, with the close code named after the failure.
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_CODES,
  decode,
  encode,
  parseSubscriberMessage,
  PROTOCOL_VERSION,
  toInfraError,
  type CloseCodeName,
  type ErrorCode,
  type HubToSubscriberMessage,
  type SubscribeMessage,
  type SubscriberMessage,
  type TopicPattern,
} from '@infrastructor/shared';
import type { CollectRelay, SubscriberPrincipal } from '../ports.js';
import type { HubState } from '../state/hub-state.js';
import type { FanOut } from '../fanout/fan-out.js';
import type { SubscriberOutlet } from '../fanout/subscriber-outlet.js';
import type { CounterMap } from '../fanout/counter-map.js';
import { buildEventsFrame, buildSnapshotFrame } from '../fanout/list-frame.js';
import { compileSubscription, SubscriptionSet } from './subscription-set.js';
import { CollectForwarding } from './collect-forwarding.js';
import { closeReason } from './close-reason.js';

/** Events per frame when replaying the resume buffer. */
const REPLAY_FRAME_EVENTS = 1000;

export interface SessionContext {
  state: HubState;
  fanout: FanOut;
  relay: CollectRelay;
  logger: Logger;
  helloTimeoutMs: number;
  maxInflightCollects: number;
  newCorrelationId: () => string;
  /** Gateway-wide counters. */
  drops: CounterMap;
  events: CounterMap;
  onClosed(session: SubscriberSession, code: number): void;
}

type Phase = 'hello' | 'ready' | 'closing' | 'closed';

export class SubscriberSession {
  private phase: Phase = 'hello';
  private alive = true;
  private readonly outlet: SubscriberOutlet;
  private readonly subscriptions = new SubscriptionSet();
  private readonly collects: CollectForwarding;
  private readonly log: Logger;
  private helloTimer: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly principal: SubscriberPrincipal,
    remoteAddress: string | undefined,
    private readonly ctx: SessionContext,
  ) {
    this.log = ctx.logger.child({ subscriber: principal.name, remote: remoteAddress });
    this.outlet = ctx.fanout.attach(ws, { name: principal.name, sites: principal.sites });
    this.outlet.setFilter((topic) => this.subscriptions.matches(topic));
    this.collects = new CollectForwarding({
      relay: ctx.relay,
      principal,
      logger: this.log,
      counters: ctx.events,
      newCorrelationId: ctx.newCorrelationId,
      maxInflight: ctx.maxInflightCollects,
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.phase = 'closed';
        this.clearHelloTimer();
        ctx.fanout.detach(this.outlet);
        this.log.info({ event: 'subscriber_disconnected', code, reason: reason.toString('utf8') }, 'subscriber disconnected');
        ctx.onClosed(this, code);
        resolve();
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'FRAME_TOO_LARGE' : 'SOCKET_ERROR';
      ctx.drops.inc(code);
      this.log.warn({ event: code === 'FRAME_TOO_LARGE' ? 'subscriber_frame_too_large' : 'subscriber_socket_error', err }, 'subscriber socket error');
    });
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      if (this.phase === 'hello') this.fail('HELLO_TIMEOUT', `no hello within ${ctx.helloTimeoutMs} ms`);
    }, ctx.helloTimeoutMs);
  }

  get topicCount(): number {
    return this.subscriptions.sources.length;
  }

  /** Keepalive tick: terminate when the last ping got no pong, else ping again. */
  heartbeat(): void {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    if (!this.alive) {
      this.ctx.drops.inc('PONG_MISSED');
      this.log.warn({ event: 'subscriber_pong_missed' }, 'no pong since the last ping; terminating');
      this.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Close with a code (e.g. the hub shutting down). */
  close(code: number, reason: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.phase = 'closing';
    this.clearHelloTimer();
    this.outlet.stop();
    this.ws.close(code, closeReason(reason));
  }

  /** The configuration was reloaded without this subscriber: an error frame, then close AUTH_REVOKED. */
  revoke(): void {
    if (this.phase === 'ready') this.sendNow({ t: 'error', code: 'AUTH_REVOKED', message: 'the hub configuration no longer has this subscriber' });
    this.close(CLOSE_CODES.AUTH_REVOKED, 'AUTH_REVOKED');
  }

  /** Hub shutdown: an error frame saying so, then close HUB_SHUTTING_DOWN. */
  shutdown(): void {
    if (this.phase === 'ready') this.sendNow({ t: 'error', code: 'HUB_SHUTTING_DOWN', message: 'the hub is shutting down' });
    this.close(CLOSE_CODES.HUB_SHUTTING_DOWN, 'hub shutting down');
  }

  terminate(): void {
    if (this.phase !== 'closed') this.phase = 'closing';
    this.clearHelloTimer();
    this.outlet.stop();
    this.ws.terminate();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    if (!isBinary) {
      this.fail('FRAME_INVALID', 'text frames are not accepted; send MessagePack in binary frames');
      return;
    }
    let msg: SubscriberMessage;
    try {
      msg = parseSubscriberMessage(decode(toBytes(data)));
    } catch (err) {
      const e = toInfraError(err, 'FRAME_INVALID');
      const code: ErrorCode & CloseCodeName =
        e.code === 'MESSAGE_UNKNOWN' || e.code === 'PROTOCOL_VERSION_MISMATCH' ? e.code : 'FRAME_INVALID';
      this.fail(code, e.message);
      return;
    }
    if (this.phase === 'hello') {
      if (msg.t !== 'hello') this.fail('FRAME_INVALID', `expected hello first, got ${msg.t}`);
      else this.onHello(msg.client);
      return;
    }
    switch (msg.t) {
      case 'hello':
        this.fail('FRAME_INVALID', 'hello sent twice');
        return;
      case 'subscribe':
        this.onSubscribe(msg);
        return;
      case 'unsubscribe':
        this.subscriptions.remove(msg.topics);
        return;
      case 'collect':
        void this.collects.handle(msg).then((reply) => this.send(reply));
        return;
    }
  }

  private onHello(client: string): void {
    this.clearHelloTimer();
    this.phase = 'ready';
    this.send({ t: 'welcome', protocol: PROTOCOL_VERSION, hubEpoch: this.ctx.state.hubEpoch, role: this.principal.role, sites: [...this.principal.sites] });
    this.log.info({ event: 'subscriber_connected', client, role: this.principal.role, sites: this.principal.sites }, 'subscriber connected');
  }

  private onSubscribe(msg: SubscribeMessage): void {
    const compiled = new Map<string, TopicPattern[]>();
    for (const source of msg.topics) {
      try {
        compiled.set(source, compileSubscription(source));
      } catch (err) {
        const e = toInfraError(err, 'TOPIC_INVALID');
        this.ctx.events.inc('topic_invalid');
        this.log.info({ event: 'subscriber_topic_invalid', topic: source.slice(0, 200), err: e.message }, 'topic pattern refused');
        this.send({ t: 'error', code: e.code, message: e.message });
      }
    }
    const added = this.subscriptions.apply(compiled, msg.replace);
    const { state } = this.ctx;
    if (msg.resume) {
      const missed = state.replayAfter(msg.resume.hubEpoch, msg.resume.afterSeq, this.subscriptions.patterns, this.principal.sites);
      if (missed) {
        this.ctx.events.inc('resume_replayed');
        this.log.info({ event: 'subscriber_resumed', afterSeq: msg.resume.afterSeq, replayed: missed.length }, 'resumed from the buffer');
        for (let i = 0; i < missed.length; i += REPLAY_FRAME_EVENTS) {
          const chunk = missed.slice(i, i + REPLAY_FRAME_EVENTS);
          this.outlet.sendFrame(buildEventsFrame(chunk), chunk.length);
        }
        return;
      }
      this.ctx.events.inc('resume_snapshot');
      this.log.info(
        { event: 'subscriber_resume_fell_back', afterSeq: msg.resume.afterSeq, sameEpoch: msg.resume.hubEpoch === state.hubEpoch, seq: state.seq },
        'cannot resume exactly; sending a fresh snapshot',
      );
      this.sendSnapshot(this.subscriptions.patterns);
      return;
    }
    this.sendSnapshot(added);
  }

  private sendSnapshot(patterns: readonly TopicPattern[]): void {
    const snap = this.ctx.state.snapshot(patterns, this.principal.sites);
    this.outlet.sendFrame(buildSnapshotFrame(snap.hubEpoch, snap.seq, snap.entries), snap.entries.length);
  }

  private send(msg: HubToSubscriberMessage): void {
    if (this.phase === 'ready') this.sendNow(msg);
  }

  private sendNow(msg: HubToSubscriberMessage): void {
    let frame: Buffer;
    try {
      frame = encode(msg);
    } catch (err) {
      this.ctx.drops.inc('ENCODE_FAILED');
      this.log.error({ event: 'subscriber_reply_encode_failed', type: msg.t, err }, 'reply could not be encoded');
      return;
    }
    this.outlet.sendFrame(frame);
  }

  /** A failure that ends this connection: log, count, `error` frame, close with its code. */
  private fail(code: ErrorCode & CloseCodeName, message: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.ctx.drops.inc(code);
    this.log.warn({ event: `subscriber_${code.toLowerCase()}`, code, err: message }, 'closing subscriber');
    this.sendNow({ t: 'error', code, message: message.slice(0, 4096) });
    this.close(CLOSE_CODES[code], message);
  }

  private clearHelloTimer(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }
}

function toBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
