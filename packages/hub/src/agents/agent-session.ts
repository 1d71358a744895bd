/**
 * One agent connection on /agent, after its token was accepted at the HTTP
 * upgrade (the token binds agentId and site).
 *
 *   awaiting_hello ──hello──▶ active ──close/replaced/shutdown──▶ closed
 *
 * - The first frame must be `hello` within helloTimeoutMs (else close
 *   HELLO_TIMEOUT). A hello naming another agent id or site → `error`
 *   AGENT_ID_MISMATCH and close with that code; nothing is stored.
 * - Frames are binary, plain MessagePack (shared `encode`/`decode`), decoded
 *   into unknown and validated with parseAgentMessage. A frame that fails →
 *   `error` frame + close with its code (FRAME_INVALID 4000,
 *   PROTOCOL_VERSION_MISMATCH 4001, MESSAGE_UNKNOWN 4002); only this
 *   connection is affected.
 * - `records` → BatchIngest (one transaction), then `ack` (cumulative), then
 *   the events are published in order. `status` → the status board.
 *   `collect_result` → the relay.
 */
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_CODES,
  decodeSharing,
  encode,
  InfraError,
  parseAgentMessage,
  PROTOCOL_VERSION,
  toInfraError,
  type AgentHello,
  type AgentMessage,
  type AgentRecords,
  type AgentStatus,
  type ErrorCode,
  type HubCollectRequest,
  type HubToAgentMessage,
  type ScheduledJobInfo,
} from '@infrastructor/shared';
import type { BatchIngest, IngestResult } from '../ingest/batch-ingest.js';
import type { ResendState } from '../ingest/batch-plan.js';
import type { Logger } from '../log/logger.js';
import type { AgentPrincipal, EventPublisher } from '../ports.js';
import type { AgentCollectRelay } from '../relay/collect-relay.js';
import type { AgentStatusBoard } from '../status/agent-status-board.js';
import { noteFailure, type HubCounters } from '../status/hub-counters.js';
import { logAppliedRecords } from '../ingest/record-events.js';
import type { HubStore } from '../store/hub-store.js';
import type { AgentRegistry } from './agent-registry.js';
import type { Heartbeat } from './heartbeat.js';

export interface AgentSessionDeps {
  helloTimeoutMs: number;
  /** limits.agentMaxPayloadBytes, announced in the welcome so the agent knows what fits. */
  maxFrameBytes: number;
  logger: Logger;
  counters: HubCounters;
  clock: () => number;
  store: HubStore;
  ingest: BatchIngest;
  board: AgentStatusBoard;
  registry: AgentRegistry<AgentSession>;
  relay: AgentCollectRelay;
  publisher: EventPublisher;
  heartbeat: Heartbeat;
}

type State = 'awaiting_hello' | 'active' | 'closing' | 'closed';

/** Close code for each error code a session closes with. */
const CLOSE_FOR: Partial<Record<ErrorCode, number>> = {
  FRAME_INVALID: CLOSE_CODES.FRAME_INVALID,
  AUTH_REVOKED: CLOSE_CODES.AUTH_REVOKED,
  DECODE_FAILED: CLOSE_CODES.FRAME_INVALID,
  PROTOCOL_VERSION_MISMATCH: CLOSE_CODES.PROTOCOL_VERSION_MISMATCH,
  MESSAGE_UNKNOWN: CLOSE_CODES.MESSAGE_UNKNOWN,
  AGENT_ID_MISMATCH: CLOSE_CODES.AGENT_ID_MISMATCH,
  AGENT_REPLACED: CLOSE_CODES.AGENT_REPLACED,
  HELLO_TIMEOUT: CLOSE_CODES.HELLO_TIMEOUT,
  EPOCH_INVALID: CLOSE_CODES.EPOCH_INVALID,
  HUB_SHUTTING_DOWN: CLOSE_CODES.HUB_SHUTTING_DOWN,
  INTERNAL: 1011,
  STORE_WRITE_FAILED: 1011,
};

export class AgentSession {
  readonly agentId: string;
  readonly site: string;
  readonly #ws: WebSocket;
  readonly #d: AgentSessionDeps;
  readonly #remote: string;
  readonly #log: Logger;
  #state: State = 'awaiting_hello';
  #epoch = '';
  #jobs: readonly ScheduledJobInfo[] = [];
  #waiting: ResendState | null = null;
  #helloTimer: NodeJS.Timeout | undefined;
  readonly #closed: Promise<void>;

  constructor(ws: WebSocket, principal: AgentPrincipal, request: IncomingMessage, deps: AgentSessionDeps) {
    this.agentId = principal.agentId;
    this.site = principal.site;
    this.#ws = ws;
    this.#d = deps;
    this.#remote = request.socket.remoteAddress ?? 'unknown';
    this.#log = deps.logger.child({ agentId: this.agentId, site: this.site });
    this.#closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString('utf8')));
    ws.on('error', (err) => this.#onSocketError(err));
    deps.heartbeat.track(ws);
    deps.counters.count('agent_connections_accepted');
    this.#helloTimer = setTimeout(() => {
      if (this.#state === 'awaiting_hello') this.#fail('HELLO_TIMEOUT', `no hello within ${deps.helloTimeoutMs} ms`);
    }, deps.helloTimeoutMs);
  }

  /** Resolves when the socket has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get active(): boolean {
    return this.#state === 'active';
  }

  jobs(): readonly ScheduledJobInfo[] {
    return this.#jobs;
  }

  sendCollect(frame: HubCollectRequest): boolean {
    return this.#state === 'active' && this.#send(frame);
  }

  /** A newer connection of the same agent took over. */
  replace(): void {
    this.#d.counters.count('agent_replaced');
    this.#log.info({ event: 'agent_replaced', remote: this.#remote }, 'a newer connection of this agent took over; closing this one');
    this.#closeWith('AGENT_REPLACED', 'a newer connection of this agent took over');
  }

  /** The configuration was reloaded without this agent (id, or its site): tell it and close. */
  revoke(): void {
    this.#d.counters.count('agent_revoked');
    this.#log.warn({ event: 'agent_revoked', remote: this.#remote }, 'the reloaded configuration no longer has this agent; closing its connection');
    this.#closeWith('AUTH_REVOKED', 'the hub configuration no longer has this agent');
  }

  /** Hub shutdown: tell the agent and close. */
  shutdown(): void {
    this.#closeWith('HUB_SHUTTING_DOWN', 'the hub is shutting down');
  }

  terminate(): void {
    this.#ws.terminate();
  }

  #send(msg: HubToAgentMessage): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(encode(msg));
    return true;
  }

  #closeWith(code: ErrorCode, message: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    clearTimeout(this.#helloTimer);
    this.#send({ t: 'error', code, message: message.slice(0, 4096) });
    this.#ws.close(CLOSE_FOR[code] ?? CLOSE_CODES.FRAME_INVALID, code);
  }

  /** A failure that ends this connection: log, count, error frame, close with its code. */
  #fail(code: ErrorCode, message: string, fields: Record<string, unknown> = {}): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const wireCode: ErrorCode = code === 'DECODE_FAILED' ? 'FRAME_INVALID' : code;
    this.#d.counters.countIn('agent_closes_by_code', wireCode);
    noteFailure({ logger: this.#log, counters: this.#d.counters }, `agent_${wireCode.toLowerCase()}`, { code: wireCode, remote: this.#remote, ...fields }, message);
    this.#closeWith(wireCode, message);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#d.counters.count('agent_frames_received');
    if (!isBinary) return this.#fail('FRAME_INVALID', 'text frames are not accepted: frames are binary MessagePack');
    let msg: AgentMessage;
    try {
      // Record payloads stay views into this frame (no copy): ingest decodes and stores them in this call.
      msg = parseAgentMessage(decodeSharing(toBuffer(data)));
    } catch (err) {
      const e = toInfraError(err, 'FRAME_INVALID');
      return this.#fail(e.code, e.message);
    }
    if (this.#state === 'awaiting_hello') {
      if (msg.t !== 'hello') return this.#fail('FRAME_INVALID', `the first frame must be hello, got ${msg.t}`);
      return this.#onHello(msg);
    }
    this.#d.board.seen(this.agentId);
    switch (msg.t) {
      case 'hello':
        return this.#fail('FRAME_INVALID', 'hello was already sent on this connection');
      case 'records':
        return this.#onRecords(msg);
      case 'status':
        return this.#onStatus(msg);
      case 'collect_result':
        this.#d.relay.onCollectResult(this, msg);
        return;
    }
  }

  #onHello(h: AgentHello): void {
    clearTimeout(this.#helloTimer);
    if (h.agentId !== this.agentId || h.site !== this.site) {
      const which = h.agentId !== this.agentId ? `agent id ${h.agentId}` : `site ${h.site}`;
      return this.#fail('AGENT_ID_MISMATCH', `the token is bound to agent ${this.agentId} of site ${this.site}; hello says ${which}`, {
        helloAgentId: h.agentId,
        helloSite: h.site,
      });
    }
    const { store, board, registry, clock } = this.#d;
    let outcome;
    try {
      outcome = store.agents.registerHello({ agentId: h.agentId, site: h.site, epoch: h.epoch, version: h.version, jobs: h.jobs, nowMs: clock() });
    } catch (err) {
      return this.#fail('INTERNAL', `could not record the hello: ${toInfraError(err).message}`, { err });
    }
    this.#epoch = h.epoch;
    this.#jobs = h.jobs;
    this.#state = 'active';
    registry.attach(this)?.replace();
    this.#send({ t: 'welcome', protocol: PROTOCOL_VERSION, ackedSeq: outcome.hwm, epochStatus: outcome.epochStatus, maxFrameBytes: this.#d.maxFrameBytes });
    const fields = { event: 'agent_connected', epoch: h.epoch, epochStatus: outcome.epochStatus, hwm: outcome.hwm, agentLastSeq: h.lastSeq, version: h.version, remote: this.#remote };
    this.#log.info(fields, `agent ${this.agentId} connected (epoch ${outcome.epochStatus}, acked ${outcome.hwm})`);
    if (h.lastSeq > 0 && h.lastSeq < outcome.hwm) {
      // Same epoch, but the agent's outbox has not reached what the hub
      // committed: its database was restored from an older copy. Its next
      // seqs repeat ones the hub holds and will be dropped as duplicates.
      noteFailure(
        { logger: this.#log, counters: this.#d.counters },
        'agent_outbox_behind_hub',
        { epoch: h.epoch, agentLastSeq: h.lastSeq, hwm: outcome.hwm },
        `agent ${this.agentId} reports last seq ${h.lastSeq} but the hub committed ${outcome.hwm} for epoch ${h.epoch}: was its database restored from a backup?`,
      );
    }
    if (outcome.epochStatus === 'replaced') {
      this.#d.counters.count('agent_epochs_replaced');
      this.#log.warn(
        { event: 'agent_epoch_replaced', previousEpoch: outcome.previousEpoch, epoch: h.epoch },
        `agent ${this.agentId} has a new database (epoch ${h.epoch}, was ${String(outcome.previousEpoch)}); its seqs start again and are not merged`,
      );
    }
    board.connected({
      agentId: this.agentId,
      site: this.site,
      epoch: h.epoch,
      version: h.version,
      jobs: h.jobs,
      hwm: outcome.hwm,
      epochStatus: outcome.epochStatus,
      previousEpoch: outcome.previousEpoch,
      agentLastSeq: h.lastSeq,
    });
  }

  #onRecords(batch: AgentRecords): void {
    const { ingest, clock } = this.#d;
    if (batch.epoch !== this.#epoch) return this.#fail('EPOCH_INVALID', `records for epoch ${batch.epoch} on a connection whose hello said ${this.#epoch}`);
    let result: IngestResult;
    try {
      // Committed now (the next batch is planned against it); acked and
      // published once the commit is on disk, in order (ingest/durable-commits.ts).
      result = ingest.ingestThen({ agentId: this.agentId, site: this.site, epoch: this.#epoch }, batch, this.#waiting, clock(), (r, err) =>
        this.#afterDurable(batch, r, err),
      );
    } catch (err) {
      if (err instanceof InfraError && err.code === 'FRAME_INVALID') return this.#fail('FRAME_INVALID', err.message);
      // Nothing of the batch is applied or acked: the agent sends it again after reconnecting.
      const e = toInfraError(err);
      return this.#fail(e.code === 'STORE_WRITE_FAILED' ? e.code : 'INTERNAL', `could not apply a records batch: ${e.message}`, { err });
    }
    if (result.action === 'resend') this.#waiting = result.state;
    else if (result.action === 'applied') this.#waiting = null;
  }

  /** Reply to a batch once its commit is on disk: resend, nothing (skip), or ack + counters + status + publish. */
  #afterDurable(batch: AgentRecords, result: IngestResult, err: Error | undefined): void {
    const { counters, board } = this.#d;
    if (err !== undefined) {
      if (!this.#d.store.db.open) return; // the hub is shutting down: unacknowledged batches are sent again
      return this.#fail('INTERNAL', `could not make a records batch durable: ${err.message}`, { err });
    }
    counters.count('record_batches_received');
    if (result.action === 'resend') {
      counters.count('resends_sent');
      this.#log.warn(
        { event: 'resend_requested', hwm: result.hwm, afterSeq: batch.afterSeq, fromSeq: result.fromSeq },
        `batch follows seq ${batch.afterSeq} but the hub has committed up to ${result.hwm}: asking for a resend from ${result.fromSeq}`,
      );
      this.#send({ t: 'resend', epoch: this.#epoch, fromSeq: result.fromSeq });
      return;
    }
    if (result.action === 'skip') {
      counters.count('batches_skipped_awaiting_resend');
      return;
    }
    this.#send({ t: 'ack', epoch: this.#epoch, seq: result.hwm });
    counters.count('acks_sent');
    counters.count('records_applied', result.applied);
    counters.count('duplicates_dropped', result.duplicates);
    counters.count('results_superseded', result.superseded);
    const sink = { logger: this.#log, counters };
    for (const bad of result.invalid) noteFailure(sink, 'record_invalid', { seq: bad.seq, reason: bad.reason }, `record ${bad.seq} refused and recorded as a gap`);
    if (result.hubGap !== null) {
      noteFailure(sink, 'hub_gap_recorded', { epoch: this.#epoch, ...result.hubGap }, `seqs ${result.hubGap.fromSeq}..${result.hubGap.toSeq} are lost: the agent no longer holds them`);
    }
    try {
      board.committed(this.agentId, result.hwm, result.collected);
    } catch (e) {
      if (!this.#d.store.db.open) return;
      noteFailure(sink, 'status_update_failed', { err: e }, 'could not record the committed high water');
    }
    logAppliedRecords(this.#log, result.events);
    this.#publish(result.events);
  }

  #onStatus(s: AgentStatus): void {
    this.#d.counters.count('status_frames_received');
    try {
      this.#d.board.status(this.agentId, { outboxRecords: s.outboxRecords, outboxBytes: s.outboxBytes, oldestAgeMs: s.oldestAgeMs, lastSeq: s.lastSeq });
    } catch (err) {
      noteFailure({ logger: this.#log, counters: this.#d.counters }, 'status_update_failed', { err }, 'could not record an agent status');
    }
  }

  #publish(events: Parameters<EventPublisher['publish']>[0]): void {
    if (events.length === 0) return;
    try {
      this.#d.publisher.publish(events);
    } catch (err) {
      noteFailure({ logger: this.#log, counters: this.#d.counters }, 'publish_failed', { err, events: events.length }, 'publishing committed events failed');
    }
  }

  #onSocketError(err: Error & { code?: string }): void {
    const sink = { logger: this.#log, counters: this.#d.counters };
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.#d.counters.countIn('agent_closes_by_code', 'FRAME_TOO_LARGE');
      noteFailure(sink, 'agent_frame_too_large', { remote: this.#remote, message: err.message }, 'a frame exceeded limits.agentMaxPayloadBytes; closed with 1009');
    } else {
      noteFailure(sink, 'agent_socket_error', { remote: this.#remote, code: err.code, message: err.message }, 'agent socket error');
    }
  }

  #onClose(code: number, reason: string): void {
    const wasActive = this.#state === 'active' || (this.#state === 'closing' && this.#epoch !== '');
    this.#state = 'closed';
    clearTimeout(this.#helloTimer);
    const { heartbeat, relay, registry, board, counters } = this.#d;
    heartbeat.untrack(this.#ws);
    counters.count('agent_connections_closed');
    if (!wasActive) return;
    relay.targetGone(this);
    if (!registry.detach(this)) return;
    this.#log.info({ event: 'agent_disconnected', code, reason, remote: this.#remote }, `agent ${this.agentId} disconnected (${code})`);
    try {
      board.disconnected(this.agentId);
    } catch (err) {
      noteFailure({ logger: this.#log, counters }, 'status_update_failed', { err }, 'could not record the disconnect');
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
