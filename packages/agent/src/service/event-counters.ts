import { compareText } from '@infrastructor/shared';
/**
 * Named events, Vector-style: every notable outcome (a failure by code, a
 * cache hit, a skipped overlapping run) has a name and a counter, and is
 * logged where it happens. `snapshot()` feeds `infra-agent status` and,
 * later, the hub.
 */
export class EventCounters {
  readonly #counts = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => compareText(a, b)));
  }
}
