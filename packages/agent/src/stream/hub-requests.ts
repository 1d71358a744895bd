/**
 * On-demand collections asked for by the hub: each `collect` runs through
 * the collection service (source 'request': validated, cached, audited and
 * stored like any collection) and is answered with `collect_result` on the
 * connection it came in on. If that connection is gone by then, the answer
 * is dropped: the hub has timed the requester out, and the collection itself
 * is stored and will stream.
 */
import { InfraError, toInfraError, type AgentCollectResult, type HubCollectRequest, type WireCollectResult } from '@infrastructor/shared';
import type { CollectResult } from '../service/collection-types.js';
import type { CollectFn, LinkCounters, LinkLogger, LinkTimers } from './link-ports.js';

const ERROR_MESSAGE_MAX_CHARS = 4000;

export interface HubRequestsOptions {
  collect: CollectFn;
  timers: LinkTimers;
  logger: LinkLogger;
  counters: LinkCounters;
}

/** Sends the answer on the request's own connection; false when it is gone. */
export type Reply = (answer: AgentCollectResult) => boolean;

export class HubRequests {
  readonly #o: HubRequestsOptions;
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #refusing = false;

  constructor(options: HubRequestsOptions) {
    this.#o = options;
  }

  get inflight(): number {
    return this.#running.size;
  }

  handle(request: HubCollectRequest, reply: Reply): void {
    const run: Promise<void> = this.#run(request, reply)
      .catch((err: unknown) => {
        // #run answers every failure itself; this is a bug guard (no unhandled rejection).
        this.#o.counters.inc('hub_request_internal_error');
        this.#o.logger.error({ event: 'hub_request_internal_error', requestId: request.requestId, err: toInfraError(err).message }, 'request handling failed');
      })
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  async #run(request: HubCollectRequest, reply: Reply): Promise<void> {
    const { logger, counters } = this.#o;
    const log = { requestId: request.requestId, host: request.host, command: request.command, correlationId: request.correlationId };
    counters.inc('hub_request_received');
    logger.debug({ event: 'hub_request_received', ...log, timeoutMs: request.timeoutMs }, `collect ${request.command} on ${request.host} for the hub`);
    let answer: AgentCollectResult;
    try {
      const result = await this.#collect(request);
      answer = { t: 'collect_result', requestId: request.requestId, ok: true, result: toWireResult(result) };
      counters.inc('hub_request_answered');
    } catch (err) {
      const e = toInfraError(err);
      counters.inc(`hub_request_failed.${e.code}`);
      logger.info({ event: 'hub_request_failed', ...log, code: e.code }, `request ${request.requestId} failed: ${e.message}`);
      answer = { t: 'collect_result', requestId: request.requestId, ok: false, error: { code: e.code, message: truncate(e.message) } };
    }
    if (!reply(answer)) {
      counters.inc('hub_request_answer_dropped');
      logger.info(
        { event: 'hub_request_answer_dropped', ...log },
        `the hub connection ended before request ${request.requestId} was answered; the answer is dropped (the collection is stored and will stream)`,
      );
    }
  }

  async #collect(request: HubCollectRequest): Promise<CollectResult> {
    if (this.#refusing) throw new InfraError('SHUTTING_DOWN', 'the agent is shutting down; no new requests');
    const deadline = new AbortController();
    const timer = this.#o.timers.setTimeout(
      () => deadline.abort(new InfraError('REQUEST_TIMEOUT', `request ${request.requestId}: no result within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    try {
      return await this.#o.collect(request.host, request.command, {
        source: 'request',
        params: request.params,
        forceRefresh: request.forceRefresh,
        correlationId: request.correlationId,
        signal: AbortSignal.any([deadline.signal, this.#abort.signal]),
      });
    } finally {
      this.#o.timers.clearTimeout(timer);
    }
  }

  /** Refuse new requests and wait for the running ones up to `deadlineMs`. Resolves true when all finished. */
  async drain(deadlineMs: number): Promise<boolean> {
    this.#refusing = true;
    const pending = [...this.#running];
    if (pending.length === 0) return true;
    let timer: unknown;
    const late = new Promise<'late'>((resolve) => {
      timer = this.#o.timers.setTimeout(() => resolve('late'), deadlineMs);
    });
    const outcome = await Promise.race([Promise.allSettled(pending).then(() => 'done' as const), late]);
    this.#o.timers.clearTimeout(timer);
    return outcome === 'done';
  }

  /** Abort every running request (their answers fail with ABORTED). Safe twice. */
  abort(): void {
    this.#refusing = true;
    if (!this.#abort.signal.aborted) this.#abort.abort(new InfraError('ABORTED', 'the hub link was destroyed; request aborted'));
  }
}

function toWireResult(r: CollectResult): WireCollectResult {
  return {
    host: r.host,
    command: r.command,
    params: r.params,
    paramsHash: r.paramsHash,
    status: r.status,
    cacheHit: r.cacheHit,
    data: r.data,
    collectedAtMs: r.collectedAtMs,
    durationMs: r.durationMs,
    bytes: r.bytes,
    correlationId: r.correlationId,
  };
}

function truncate(message: string): string {
  return message.length > ERROR_MESSAGE_MAX_CHARS ? `${message.slice(0, ERROR_MESSAGE_MAX_CHARS)}…` : message;
}
