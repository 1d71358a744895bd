/**
 * On-demand collections asked for by a subscriber: only operators may ask,
 * only for sites in their token's scope; everything else is answered with a
 * coded error at once and nothing runs. Allowed requests go to the
 * CollectRelay port and its answer comes back under the same requestId.
 * At most maxInflight requests per connection wait at once (else
 * TOO_MANY_REQUESTS).
 */
import type { Logger } from 'pino';
import { toInfraError, type CollectRequestMessage, type ErrorCode, type SubscriberCollectResult } from '@infrastructor/shared';
import type { CollectRelay, SubscriberPrincipal } from '../ports.js';
import type { CounterMap } from '../fanout/counter-map.js';
import { siteInScope } from '../fanout/encoded-event.js';

export const DEFAULT_MAX_INFLIGHT_COLLECTS = 32;

export interface CollectForwardingOptions {
  relay: CollectRelay;
  principal: SubscriberPrincipal;
  logger: Logger;
  /** Shared counters: collect_forbidden, collect_rejected, collect_relayed, collect_ok, collect_failed. */
  counters: CounterMap;
  newCorrelationId: () => string;
  maxInflight: number;
}

export class CollectForwarding {
  private inflight = 0;

  constructor(private readonly o: CollectForwardingOptions) {}

  get inflightCount(): number {
    return this.inflight;
  }

  /** The reply for one collect message. Never rejects. */
  async handle(msg: CollectRequestMessage): Promise<SubscriberCollectResult> {
    const { principal } = this.o;
    if (principal.role !== 'operator') {
      return this.refuse(msg, 'FORBIDDEN', `role ${principal.role} may not request collections`, 'collect_forbidden');
    }
    if (!siteInScope(principal.sites, msg.site)) {
      return this.refuse(msg, 'FORBIDDEN', `site ${msg.site} is outside this token's sites`, 'collect_forbidden');
    }
    if (this.inflight >= this.o.maxInflight) {
      return this.refuse(msg, 'TOO_MANY_REQUESTS', `at most ${this.o.maxInflight} requests may be in flight per connection`, 'collect_rejected');
    }
    // A repeated requestId is passed on: the relay joins it to the first one (a request never runs twice).
    const correlationId = this.o.newCorrelationId();
    this.inflight++;
    this.o.counters.inc('collect_relayed');
    this.o.logger.info(
      { event: 'subscriber_collect_relayed', requestId: msg.requestId, site: msg.site, host: msg.host, command: msg.command, correlationId },
      'collect request relayed',
    );
    try {
      const answer = await this.o.relay.collect({
        requestId: msg.requestId,
        site: msg.site,
        host: msg.host,
        command: msg.command,
        params: msg.params,
        forceRefresh: msg.forceRefresh,
        timeoutMs: msg.timeoutMs,
        principal,
        correlationId,
      });
      if (answer.ok) {
        this.o.counters.inc('collect_ok');
        return { t: 'collect_result', requestId: msg.requestId, ok: true, result: answer.result };
      }
      this.o.counters.inc('collect_failed');
      this.o.logger.info({ event: 'subscriber_collect_failed', requestId: msg.requestId, code: answer.error.code, correlationId }, 'collect request failed');
      return { t: 'collect_result', requestId: msg.requestId, ok: false, error: answer.error };
    } catch (err) {
      // The port promises never to reject; if it does anyway, answer with a code.
      const e = toInfraError(err);
      this.o.counters.inc('collect_failed');
      this.o.logger.error({ event: 'collect_relay_threw', requestId: msg.requestId, correlationId, err: e }, 'collect relay threw');
      return { t: 'collect_result', requestId: msg.requestId, ok: false, error: { code: e.code, message: e.message } };
    } finally {
      this.inflight--;
    }
  }

  private refuse(msg: CollectRequestMessage, code: ErrorCode, message: string, counter: string): SubscriberCollectResult {
    this.o.counters.inc(counter);
    this.o.logger.warn({ event: `subscriber_${counter}`, requestId: msg.requestId, site: msg.site, code, role: this.o.principal.role }, message);
    return { t: 'collect_result', requestId: msg.requestId, ok: false, error: { code, message } };
  }
}
