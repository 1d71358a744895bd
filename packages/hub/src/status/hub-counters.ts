/**
 * The hub's event counters, exposed on GET /status. Every failure the hub
 * handles is a named event that logs one line (with `event`) and counts
 * here under the same name (see noteFailure).
 */
import { compareText } from '@infrastructor/shared';
import type { Logger } from '../log/logger.js';

export class HubCounters {
  readonly #counts = new Map<string, number>();
  readonly #groups = new Map<string, Map<string, number>>();

  count(name: string, n = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  /** A counter broken down by a key, e.g. invalid frames by error code. */
  countIn(group: string, key: string, n = 1): void {
    let m = this.#groups.get(group);
    if (m === undefined) this.#groups.set(group, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + n);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  getIn(group: string, key: string): number {
    return this.#groups.get(group)?.get(key) ?? 0;
  }

  snapshot(): Record<string, number | Record<string, number>> {
    const out: Record<string, number | Record<string, number>> = {};
    for (const [k, v] of [...this.#counts].sort(([a], [b]) => compareText(a, b))) out[k] = v;
    for (const [g, m] of [...this.#groups].sort(([a], [b]) => compareText(a, b))) out[g] = Object.fromEntries([...m].sort(([a], [b]) => compareText(a, b)));
    return out;
  }
}

/** What a component needs to report a named event. */
export interface EventSink {
  logger: Logger;
  counters: HubCounters;
}

/** Log one warn line `{ event, ...fields }` and count `event`. */
export function noteFailure(sink: EventSink, event: string, fields: Record<string, unknown>, message: string): void {
  sink.counters.count(event);
  sink.logger.warn({ event, ...fields }, message);
}
