/**
 * On-demand collections, subscriber → agent → subscriber (CollectRelay).
 *
 * Refused with a coded answer, nothing sent to any agent:
 *   role viewer → FORBIDDEN; site outside the principal's sites → FORBIDDEN;
 *   no connected agent of the site → AGENT_OFFLINE; no connected agent of
 *   the site announced that host → HOST_UNKNOWN, or that command on it →
 *   COMMAND_UNKNOWN (per hello.jobs); too many in flight → AGENT_BUSY.
 * Otherwise `collect` goes to the agent under a hub-made request id, and the
 * first `collect_result` with that id answers (REQUEST_TIMEOUT after
 * timeoutMs). The agent validates parameters itself (PARAM_INVALID).
 * A disconnecting agent fails its pending requests with AGENT_OFFLINE.
 * The same (principal, requestId) within requestDedupeTtlMs gets the first
 * answer (or joins the in-flight one): a request never runs twice.
 */
import type { AgentCollectResult, ErrorCode } from '@infrastructor/shared';
import type { CollectRelay, CollectRelayAnswer, CollectRelayRequest } from '../ports.js';
import { noteFailure, type EventSink } from '../status/hub-counters.js';
import type { RelayDirectory, RelayTarget } from './relay-target.js';
import { RequestDedupe } from './request-dedupe.js';

interface Pending {
  request: CollectRelayRequest;
  timer: NodeJS.Timeout;
  resolve(answer: CollectRelayAnswer): void;
}

export interface AgentCollectRelayOptions {
  directory: RelayDirectory;
  requestDedupeTtlMs: number;
  maxPendingRequestsPerAgent: number;
  sink: EventSink;
}

type Refusal = Extract<CollectRelayAnswer, { ok: false }>;
const refuse = (code: ErrorCode, message: string): Refusal => ({ ok: false, error: { code, message } });

export class AgentCollectRelay implements CollectRelay {
  readonly #o: AgentCollectRelayOptions;
  readonly #dedupe: RequestDedupe;
  readonly #pending = new Map<RelayTarget, Map<string, Pending>>();
  #nextId = 0;
  #closed = false;

  constructor(options: AgentCollectRelayOptions) {
    this.#o = options;
    this.#dedupe = new RequestDedupe(options.requestDedupeTtlMs);
  }

  collect(req: CollectRelayRequest): Promise<CollectRelayAnswer> {
    const { sink } = this.#o;
    if (this.#closed) return Promise.resolve(refuse('HUB_SHUTTING_DOWN', 'the hub is shutting down'));
    const refused = this.#checkScope(req);
    if (refused !== undefined) return Promise.resolve(refused);

    const earlier = this.#dedupe.get(req);
    if (earlier !== undefined) {
      if (earlier.fingerprint !== RequestDedupe.fingerprint(req)) {
        noteFailure(sink, 'collect_request_id_reused', { principal: req.principal.name, requestId: req.requestId, correlationId: req.correlationId }, 'a request id was reused for a different request');
        return Promise.resolve(refuse('REQUEST_INVALID', `requestId ${req.requestId} was already used for a different request`));
      }
      sink.counters.count('collect_deduplicated');
      return earlier.answer;
    }

    const picked = this.#pickTarget(req);
    if ('ok' in picked) {
      noteFailure(
        sink,
        'collect_refused',
        { code: picked.error.code, site: req.site, host: req.host, command: req.command, principal: req.principal.name, correlationId: req.correlationId },
        picked.error.message,
      );
      return Promise.resolve(picked);
    }
    const target = picked;
    const answer = this.#send(target, req);
    this.#dedupe.remember(req, answer);
    return answer;
  }

  #checkScope(req: CollectRelayRequest): Refusal | undefined {
    const { principal } = req;
    let refused: Refusal | undefined;
    if (principal.role !== 'operator') refused = refuse('FORBIDDEN', `${principal.name} is a ${principal.role}; on-demand collection needs the operator role`);
    else if (!principal.sites.includes('*') && !principal.sites.includes(req.site)) refused = refuse('FORBIDDEN', `${principal.name} may not act on site ${req.site}`);
    if (refused !== undefined) {
      noteFailure(this.#o.sink, 'collect_forbidden', { principal: principal.name, role: principal.role, site: req.site, correlationId: req.correlationId }, refused.error.message);
    }
    return refused;
  }

  #pickTarget(req: CollectRelayRequest): RelayTarget | Refusal {
    const targets = this.#o.directory.connected(req.site);
    if (targets.length === 0) return refuse('AGENT_OFFLINE', `no agent of site ${req.site} is connected`);
    const withHost = targets.filter((t) => t.jobs().some((j) => j.host === req.host));
    if (withHost.length === 0) return refuse('HOST_UNKNOWN', `no connected agent of site ${req.site} has a host named ${req.host}`);
    const withCommand = withHost.find((t) => t.jobs().some((j) => j.host === req.host && j.command === req.command));
    if (withCommand === undefined) return refuse('COMMAND_UNKNOWN', `host ${req.host} of site ${req.site} has no command named ${req.command}`);
    const pending = this.#pending.get(withCommand)?.size ?? 0;
    if (pending >= this.#o.maxPendingRequestsPerAgent) {
      return refuse('AGENT_BUSY', `agent ${withCommand.agentId} already has ${pending} requests in flight`);
    }
    return withCommand;
  }

  #send(target: RelayTarget, req: CollectRelayRequest): Promise<CollectRelayAnswer> {
    const { sink } = this.#o;
    this.#nextId += 1;
    const hubRequestId = `hub-${this.#nextId}`;
    return new Promise<CollectRelayAnswer>((resolve) => {
      let perTarget = this.#pending.get(target);
      if (perTarget === undefined) this.#pending.set(target, (perTarget = new Map()));
      const table = perTarget;
      const timer = setTimeout(() => {
        if (!table.delete(hubRequestId)) return;
        noteFailure(
          sink,
          'collect_timeout',
          { agentId: target.agentId, requestId: req.requestId, hubRequestId, timeoutMs: req.timeoutMs, correlationId: req.correlationId },
          `no answer from agent ${target.agentId} within ${req.timeoutMs} ms`,
        );
        resolve(refuse('REQUEST_TIMEOUT', `agent ${target.agentId} did not answer within ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      timer.unref();
      table.set(hubRequestId, { request: req, timer, resolve });
      const sent = target.sendCollect({
        t: 'collect',
        requestId: hubRequestId,
        host: req.host,
        command: req.command,
        params: req.params,
        forceRefresh: req.forceRefresh,
        timeoutMs: req.timeoutMs,
        correlationId: req.correlationId,
      });
      if (!sent) this.#finish(target, hubRequestId, refuse('AGENT_OFFLINE', `agent ${target.agentId} disconnected`));
      else {
        sink.counters.count('collect_sent');
        sink.logger.debug(
          { event: 'collect_sent', agentId: target.agentId, requestId: req.requestId, hubRequestId, host: req.host, command: req.command, correlationId: req.correlationId },
          `sent ${req.command} on ${req.host} to agent ${target.agentId}`,
        );
      }
    });
  }

  /** A `collect_result` frame from an agent connection. */
  onCollectResult(target: RelayTarget, msg: AgentCollectResult): void {
    const pending = this.#pending.get(target)?.get(msg.requestId);
    if (pending === undefined) {
      noteFailure(this.#o.sink, 'collect_result_unmatched', { agentId: target.agentId, requestId: msg.requestId }, 'a collect_result matched no pending request (late or unknown)');
      return;
    }
    const req = pending.request;
    let answer: CollectRelayAnswer;
    if (!msg.ok) answer = { ok: false, error: msg.error };
    else if (msg.result.host !== req.host || msg.result.command !== req.command) {
      noteFailure(this.#o.sink, 'collect_result_mismatch', { agentId: target.agentId, requestId: msg.requestId }, 'the agent answered for another host or command');
      answer = refuse('INTERNAL', `agent ${target.agentId} answered for ${msg.result.host}/${msg.result.command}, not ${req.host}/${req.command}`);
    } else answer = { ok: true, result: { ...msg.result, site: target.site } };
    this.#finish(target, msg.requestId, answer);
    this.#o.sink.counters.count(answer.ok ? 'collect_answered_ok' : 'collect_answered_error');
    // One line per answer, with the request's correlationId (the same one is in the agent's logs and audit row).
    this.#o.sink.logger.info(
      {
        event: 'collect_answered',
        agentId: target.agentId,
        requestId: req.requestId,
        hubRequestId: msg.requestId,
        host: req.host,
        command: req.command,
        correlationId: req.correlationId,
        ok: answer.ok,
        ...(answer.ok ? { status: answer.result.status, durationMs: answer.result.durationMs } : { code: answer.error.code }),
      },
      answer.ok ? `agent ${target.agentId} answered ${req.command} on ${req.host}` : `agent ${target.agentId} answered ${req.command} on ${req.host} with ${answer.error.code}`,
    );
  }

  /** The agent connection closed or was replaced: fail what it still owed. */
  targetGone(target: RelayTarget, code: 'AGENT_OFFLINE' | 'HUB_SHUTTING_DOWN' = 'AGENT_OFFLINE'): void {
    const table = this.#pending.get(target);
    if (table === undefined) return;
    for (const id of [...table.keys()]) {
      this.#finish(target, id, refuse(code, code === 'AGENT_OFFLINE' ? `agent ${target.agentId} disconnected before answering` : 'the hub is shutting down'));
    }
    this.#pending.delete(target);
  }

  #finish(target: RelayTarget, hubRequestId: string, answer: CollectRelayAnswer): void {
    const table = this.#pending.get(target);
    const pending = table?.get(hubRequestId);
    if (table === undefined || pending === undefined) return;
    table.delete(hubRequestId);
    if (table.size === 0) this.#pending.delete(target);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }

  stats(): { pending: number; dedupeEntries: number } {
    let pending = 0;
    for (const t of this.#pending.values()) pending += t.size;
    return { pending, dedupeEntries: this.#dedupe.size };
  }

  /** Refuse new requests and fail pending ones with HUB_SHUTTING_DOWN. Safe twice. */
  close(): void {
    this.#closed = true;
    for (const target of [...this.#pending.keys()]) this.targetGone(target, 'HUB_SHUTTING_DOWN');
    this.#dedupe.clear();
  }
}
