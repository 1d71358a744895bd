/**
 * One connection to the hub, from the upgrade request to the close event:
 * hello → welcome → stream the outbox, answer acks, resends and requests,
 * send status and keep the link alive with ping/pong. Every frame from the
 * hub is decoded and validated (`parseHubToAgentMessage`); one that fails
 * ends the connection (the link reconnects). Ends exactly once, through
 * `onEnd`, with the reason it ended.
 */
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import {
  CLOSE_CODES,
  decode,
  DEFAULT_AGENT_MAX_PAYLOAD_BYTES,
  encode,
  InfraError,
  maxRecordBytes,
  parseHubToAgentMessage,
  PROTOCOL_VERSION,
  toInfraError,
  type AgentCollectResult,
  type AgentMessage,
  type HubToAgentMessage,
  type HubWelcome,
  type ScheduledJobInfo,
} from '@infrastructor/shared';
import type { OutboxRecord } from '../store/outbox.js';
import type { Secret } from '../config/secret.js';
import type { HubRequests } from './hub-requests.js';
import { failureFromClose, failureFromHttpStatus, failureFromSocketError, localFailure, type LinkFailure } from './link-failures.js';
import type { LinkCounters, LinkLogger, LinkOutbox, LinkTimers, SocketFactory, TimerHandle } from './link-ports.js';
import { OutboxStreamer, type StreamLimits } from './outbox-streamer.js';

/** Largest frame the agent accepts from the hub (requests, acks: small). */
export const HUB_FRAME_MAX_BYTES = 1024 * 1024;
/** Unanswered pings before the link is declared dead (so: no pong within 2 × pingIntervalMs). */
const MAX_UNANSWERED_PINGS = 2;

export interface SessionSettings {
  url: string;
  token: Secret;
  ca?: string;
  agentId: string;
  site: string;
  version: string;
  jobs: readonly ScheduledJobInfo[];
  limits: StreamLimits;
  pingIntervalMs: number;
  statusIntervalMs: number;
}

export interface HubSessionOptions {
  settings: SessionSettings;
  epoch: string;
  outbox: LinkOutbox;
  requests: HubRequests;
  createSocket: SocketFactory;
  timers: LinkTimers;
  logger: LinkLogger;
  counters: LinkCounters;
  onWelcome: (welcome: HubWelcome) => void;
  onAcked: (seq: number) => void;
  onEnd: (failure: LinkFailure) => void;
}

export class HubSession {
  readonly #o: HubSessionOptions;
  readonly #ws: WebSocket;
  #opened = false;
  #streamer: OutboxStreamer | undefined;
  #streaming = true;
  #failure: LinkFailure | undefined;
  #ended = false;
  #pumpQueued = false;
  #unansweredPings = 0;
  #pingTimer: TimerHandle;
  #statusTimer: TimerHandle;
  #welcomeTimer: TimerHandle;
  #closeTimer: TimerHandle;
  readonly #closed: Promise<void>;
  #resolveClosed: () => void = () => undefined;
  readonly #oversizedSeen = new Set<number>();
  /** What the hub said it accepts in one frame (welcome.maxFrameBytes; older hubs: the default). */
  #hubMaxFrameBytes = DEFAULT_AGENT_MAX_PAYLOAD_BYTES;

  /** Opens the socket; throws when the factory does (the link treats that as a failed attempt). */
  constructor(options: HubSessionOptions) {
    this.#o = options;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const s = options.settings;
    const socketOptions: ClientOptions = {
      headers: { Authorization: `Bearer ${s.token.reveal()}` },
      maxPayload: HUB_FRAME_MAX_BYTES,
      handshakeTimeout: s.pingIntervalMs * MAX_UNANSWERED_PINGS,
      followRedirects: false,
      ...(s.ca === undefined ? {} : { ca: s.ca }),
    };
    this.#ws = options.createSocket(s.url, socketOptions);
    const ws = this.#ws;
    ws.on('open', () => this.#guard(() => this.#onOpen()));
    ws.on('message', (data: RawData, isBinary: boolean) => this.#guard(() => this.#onMessage(data, isBinary)));
    ws.on('pong', () => {
      this.#unansweredPings = 0;
    });
    ws.on('unexpected-response', (_req, res) => {
      this.#setFailure(failureFromHttpStatus(res.statusCode ?? 0));
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err: Error) => {
      const wsCode = (err as NodeJS.ErrnoException).code;
      if (!this.#opened) this.#setFailure(failureFromSocketError(err));
      else if (wsCode?.startsWith('WS_ERR_')) this.#setFailure(localFailure('hub_frame_invalid', 'FRAME_INVALID', `the hub sent a frame the agent cannot read: ${err.message}`));
      else this.#setFailure(localFailure('hub_socket_error', 'HUB_UNREACHABLE', `connection to the hub failed: ${err.message}`));
    });
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(code, reason.toString('utf8')));
  }

  get welcomed(): boolean {
    return this.#streamer !== undefined;
  }

  /** New records are in the outbox: send them when the window allows (coalesced). */
  notify(): void {
    if (this.#pumpQueued || !this.#canStream()) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#guard(() => this.#pump());
    });
  }

  /** Stop sending records and status (shutdown); requests in flight may still be answered. */
  stopStreaming(): void {
    this.#streaming = false;
    this.#streamer?.stop();
    this.#clearTimer('status');
  }

  /** Close with a code; resolves on the close event (or after `graceMs`, when the socket is cut). */
  close(code: number, reason: string, graceMs: number): Promise<void> {
    this.stopStreaming();
    this.#setFailure(localFailure('hub_link_closing', 'SHUTTING_DOWN', reason));
    const state = this.#ws.readyState;
    if (state === WebSocket.CONNECTING) this.#ws.terminate();
    else if (state === WebSocket.OPEN || state === WebSocket.CLOSING) {
      if (state === WebSocket.OPEN) this.#ws.close(code, reason);
      this.#clearTimer('close');
      this.#closeTimer = this.#o.timers.setTimeout(() => this.#ws.terminate(), graceMs);
    }
    return this.#closed;
  }

  /** Cut the connection now. */
  terminate(): void {
    this.stopStreaming();
    this.#setFailure(localFailure('hub_link_destroyed', 'ABORTED', 'the hub link was destroyed'));
    this.#ws.terminate();
  }

  // ---- connection events ----

  #onOpen(): void {
    this.#opened = true;
    const s = this.#o.settings;
    const stats = this.#o.outbox.stats();
    this.#send({
      t: 'hello',
      protocol: PROTOCOL_VERSION,
      agentId: s.agentId,
      site: s.site,
      epoch: this.#o.epoch,
      firstSeq: stats.oldestSeq ?? 0,
      lastSeq: stats.newestSeq ?? 0,
      version: s.version,
      jobs: [...s.jobs],
    });
    this.#welcomeTimer = this.#o.timers.setTimeout(() => {
      this.#end(localFailure('hub_welcome_timeout', 'HUB_UNREACHABLE', `no welcome from the hub within ${s.pingIntervalMs * MAX_UNANSWERED_PINGS} ms of the hello`));
    }, s.pingIntervalMs * MAX_UNANSWERED_PINGS);
    this.#schedulePing();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#ended) return;
    let message: HubToAgentMessage;
    try {
      if (!isBinary) throw new InfraError('FRAME_INVALID', 'hub frame: a text frame (hub frames are binary MessagePack)');
      message = parseHubToAgentMessage(decode(toBuffer(data)));
    } catch (err) {
      this.#rejectFrame(toInfraError(err, 'FRAME_INVALID'));
      return;
    }
    switch (message.t) {
      case 'welcome':
        this.#onWelcome(message);
        return;
      case 'ack':
      case 'resend': {
        const streamer = this.#streamer;
        if (streamer === undefined) return this.#rejectFrame(new InfraError('FRAME_INVALID', `hub frame: ${message.t} before welcome`));
        if (message.epoch !== this.#o.epoch) {
          this.#o.counters.inc('hub_epoch_mismatch');
          this.#o.logger.warn(
            { event: 'hub_epoch_mismatch', type: message.t, epoch: message.epoch, ours: this.#o.epoch },
            `the hub sent ${message.t} for epoch ${message.epoch}, this database is ${this.#o.epoch}; ignored`,
          );
          return;
        }
        const outcome = message.t === 'ack' ? streamer.ack(message.seq) : streamer.resend(message.fromSeq);
        if (!outcome.ok) return this.#rejectFrame(new InfraError('FRAME_INVALID', `hub frame: ${outcome.reason}`));
        if (message.t === 'ack') this.#o.onAcked(message.seq);
        else {
          this.#o.counters.inc('hub_resend');
          this.#o.logger.info({ event: 'hub_resend', fromSeq: message.fromSeq }, `the hub asked to resend from seq ${message.fromSeq}`);
        }
        this.#pump();
        return;
      }
      case 'collect':
        if (this.#streamer === undefined) return this.#rejectFrame(new InfraError('FRAME_INVALID', 'hub frame: collect before welcome'));
        this.#o.requests.handle(message, (answer) => this.#sendAnswer(answer));
        return;
      case 'error':
        this.#o.counters.inc(`hub_error.${message.code}`);
        this.#o.logger.warn({ event: 'hub_error', code: message.code }, `the hub reported ${message.code}: ${message.message}`);
        return;
    }
  }

  #onWelcome(welcome: HubWelcome): void {
    if (this.#streamer !== undefined) return this.#rejectFrame(new InfraError('FRAME_INVALID', 'hub frame: a second welcome'));
    this.#clearTimer('welcome');
    const { outbox, logger, counters } = this.#o;
    if (welcome.maxFrameBytes !== undefined) {
      this.#hubMaxFrameBytes = welcome.maxFrameBytes;
      if (welcome.maxFrameBytes < DEFAULT_AGENT_MAX_PAYLOAD_BYTES) {
        // Results are refused at collection time above what fits the DEFAULT
        // limit; a hub set lower may refuse records between the two.
        counters.inc('hub_frame_limit_below_default');
        logger.warn(
          { event: 'hub_frame_limit_below_default', hubMaxFrameBytes: welcome.maxFrameBytes, defaultBytes: DEFAULT_AGENT_MAX_PAYLOAD_BYTES },
          `the hub accepts frames of at most ${welcome.maxFrameBytes} bytes (limits.agentMaxPayloadBytes), less than the default ${DEFAULT_AGENT_MAX_PAYLOAD_BYTES}: a result larger than that would hold up the stream; raise it on the hub`,
        );
      }
    }
    const lastSeq = outbox.lastSeq();
    let afterSeq = welcome.ackedSeq;
    if (welcome.ackedSeq > lastSeq) {
      // The hub has seqs this database never assigned under this epoch (a
      // restored backup?). Nothing is deleted; everything held is sent.
      counters.inc('hub_acked_beyond_outbox');
      logger.error(
        { event: 'hub_acked_beyond_outbox', ackedSeq: welcome.ackedSeq, lastSeq, epoch: this.#o.epoch },
        `the hub has acknowledged seq ${welcome.ackedSeq} but this outbox only reached ${lastSeq} (epoch ${this.#o.epoch}): was the database restored from a backup? sending everything held`,
      );
      afterSeq = 0;
    } else {
      if (welcome.ackedSeq > 0) outbox.ack(welcome.ackedSeq);
      const ackedThrough = outbox.ackedThrough();
      if (ackedThrough > welcome.ackedSeq) {
        // This outbox deleted records up to ackedThrough because the hub had
        // acknowledged them; the hub now claims less (its database was
        // restored?). Say so: the batch's afterSeq makes the hub ask for a
        // resend it cannot get and record the lost range as a gap.
        counters.inc('hub_behind_acked_records');
        logger.error(
          { event: 'hub_behind_acked_records', ackedSeq: welcome.ackedSeq, ackedThrough, epoch: this.#o.epoch },
          `the hub acknowledged up to seq ${ackedThrough} before but now has only ${welcome.ackedSeq}: records ${welcome.ackedSeq + 1}–${ackedThrough} were deleted here after its ack and cannot be resent`,
        );
        afterSeq = ackedThrough;
      }
    }
    this.#streamer = new OutboxStreamer(
      {
        outbox,
        epoch: this.#o.epoch,
        limits: this.#o.settings.limits,
        send: (frame) => this.#send(frame),
        oversizedBytes: maxRecordBytes(this.#hubMaxFrameBytes),
        onOversized: (record) => this.#onOversized(record),
      },
      afterSeq,
    );
    if (!this.#streaming) this.#streamer.stop();
    this.#o.onWelcome(welcome);
    this.#sendStatus();
    this.#pump();
  }

  #onClose(code: number, reason: string): void {
    this.#end(failureFromClose(code, reason));
    this.#clearTimer('close');
    this.#resolveClosed();
  }

  // ---- sending ----

  #canStream(): boolean {
    return this.#streaming && !this.#ended && this.#streamer !== undefined;
  }

  #pump(): void {
    if (this.#canStream()) this.#streamer?.pump();
  }

  #send(message: AgentMessage): boolean {
    if (this.#ended || this.#ws.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(encode(message), { binary: true }, (err) => {
      if (err) {
        this.#o.counters.inc('hub_send_failed');
        this.#o.logger.debug({ event: 'hub_send_failed', type: message.t, err: err.message }, 'a frame to the hub was not sent (the connection is closing)');
      }
    });
    return true;
  }

  #sendAnswer(answer: AgentCollectResult): boolean {
    if (this.#ended || this.#ws.readyState !== WebSocket.OPEN) return false;
    let bytes = encodeOrNull(answer);
    if (bytes === null || bytes.byteLength > maxRecordBytes(this.#hubMaxFrameBytes)) {
      this.#o.counters.inc('hub_request_answer_too_large');
      const why = bytes === null ? 'cannot be encoded' : `is ${bytes.byteLength} bytes, more than the hub accepts in one frame`;
      bytes = encode({
        t: 'collect_result',
        requestId: answer.requestId,
        ok: false,
        error: { code: bytes === null ? 'INTERNAL' : 'FRAME_TOO_LARGE', message: `the result ${why}; it is stored and streams as a record` },
      } satisfies AgentCollectResult);
    }
    this.#ws.send(bytes, { binary: true });
    return true;
  }

  #sendStatus(): void {
    if (!this.#canStream()) return;
    const stats = this.#o.outbox.stats();
    this.#send({ t: 'status', outboxRecords: stats.count, outboxBytes: stats.bytes, oldestAgeMs: stats.oldestAgeMs, lastSeq: stats.lastSeq });
    this.#statusTimer = this.#o.timers.setTimeout(() => {
      this.#guard(() => {
        this.#sendStatus();
        // A safety net for writes that did not notify (e.g. a gap from an idle cap pass).
        this.#pump();
      });
    }, this.#o.settings.statusIntervalMs);
  }

  #schedulePing(): void {
    const intervalMs = this.#o.settings.pingIntervalMs;
    this.#pingTimer = this.#o.timers.setTimeout(() => {
      this.#guard(() => {
        if (this.#ended) return;
        if (this.#unansweredPings >= MAX_UNANSWERED_PINGS) {
          this.#end(localFailure('hub_link_dead', 'HUB_UNREACHABLE', `no pong from the hub within ${intervalMs * MAX_UNANSWERED_PINGS} ms; the connection is dead`));
          return;
        }
        this.#unansweredPings += 1;
        this.#ws.ping();
        this.#schedulePing();
      });
    }, intervalMs);
  }

  #onOversized(record: OutboxRecord): void {
    if (this.#oversizedSeen.has(record.seq)) return;
    this.#oversizedSeen.add(record.seq);
    this.#o.counters.inc('hub_record_oversized');
    this.#o.logger.warn(
      { event: 'hub_record_oversized', seq: record.seq, kind: record.kind, sizeBytes: record.sizeBytes, hubMaxFrameBytes: this.#hubMaxFrameBytes },
      `outbox record ${record.seq} is ${record.sizeBytes} bytes, more than the hub accepts in one frame; the hub may refuse it`,
    );
  }

  // ---- ending ----

  /** A frame from the hub failed to decode or validate, or broke the protocol: close with the matching code. */
  #rejectFrame(err: InfraError): void {
    const closeCode =
      err.code === 'PROTOCOL_VERSION_MISMATCH'
        ? CLOSE_CODES.PROTOCOL_VERSION_MISMATCH
        : err.code === 'MESSAGE_UNKNOWN'
          ? CLOSE_CODES.MESSAGE_UNKNOWN
          : CLOSE_CODES.FRAME_INVALID;
    this.#setFailure(localFailure('hub_frame_invalid', err.code === 'DECODE_FAILED' ? 'FRAME_INVALID' : err.code, err.message));
    this.stopStreaming();
    if (this.#ws.readyState === WebSocket.OPEN) {
      this.#ws.close(closeCode, err.code);
      // Do not wait long for the hub's close frame: reconnecting matters more.
      this.#closeTimer = this.#o.timers.setTimeout(() => this.#ws.terminate(), this.#o.settings.pingIntervalMs);
    } else this.#ws.terminate();
  }

  /** The first failure recorded is the reason the session ends. */
  #setFailure(failure: LinkFailure): void {
    this.#failure ??= failure;
  }

  #end(failure: LinkFailure): void {
    this.#setFailure(failure);
    if (this.#ended) return;
    this.#ended = true;
    this.#streamer?.stop();
    this.#clearTimer('ping');
    this.#clearTimer('status');
    this.#clearTimer('welcome');
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.terminate();
    this.#o.onEnd(this.#failure as LinkFailure);
  }

  #clearTimer(which: 'ping' | 'status' | 'welcome' | 'close'): void {
    const t = this.#o.timers;
    if (which === 'ping' && this.#pingTimer !== undefined) t.clearTimeout(this.#pingTimer);
    if (which === 'status' && this.#statusTimer !== undefined) t.clearTimeout(this.#statusTimer);
    if (which === 'welcome' && this.#welcomeTimer !== undefined) t.clearTimeout(this.#welcomeTimer);
    if (which === 'close' && this.#closeTimer !== undefined) t.clearTimeout(this.#closeTimer);
    if (which === 'ping') this.#pingTimer = undefined;
    if (which === 'status') this.#statusTimer = undefined;
    if (which === 'welcome') this.#welcomeTimer = undefined;
    if (which === 'close') this.#closeTimer = undefined;
  }

  /** An unexpected error in a handler (e.g. the database) ends the connection instead of escaping into ws. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const e = toInfraError(err);
      this.#o.counters.inc('hub_link_internal_error');
      this.#o.logger.error({ event: 'hub_link_internal_error', code: e.code, err: e.message }, `hub link: ${e.message}`);
      this.#end(localFailure('hub_link_internal_error', e.code, e.message));
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function encodeOrNull(value: unknown): Buffer | null {
  try {
    return encode(value);
  } catch {
    return null;
  }
}
