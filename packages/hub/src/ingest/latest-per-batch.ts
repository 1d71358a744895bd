/**
 * The retained result of each topic, as one batch changes it. A replay
 * brings hundreds of results per batch for a handful of topics; only the
 * newest of each needs writing. `offer` decides, for every result in batch
 * order, whether it is superseded — older than what is stored or than a
 * result seen earlier in this batch (the same rule as the upsert's `WHERE
 * excluded.time_ms >= latest.time_ms`, applied one by one) — and `flush`
 * writes the newest per topic once, inside the same transaction.
 */
import type { RetainedStore } from '../store/retained-store.js';

interface Pending {
  site: string;
  timeMs: number;
  data: Uint8Array;
}

export class LatestPerBatch {
  readonly #retained: RetainedStore;
  /** The newest time per topic so far: stored or offered in this batch (null: nothing stored). */
  readonly #newest = new Map<string, number | null>();
  readonly #pending = new Map<string, Pending>();

  constructor(retained: RetainedStore) {
    this.#retained = retained;
  }

  /** False when the result is older than the topic's newest: superseded, not stored or published. */
  offer(topic: string, site: string, timeMs: number, data: Uint8Array): boolean {
    const t = Math.round(timeMs);
    let newest = this.#newest.get(topic);
    if (newest === undefined) newest = this.#retained.resultTimeMs(topic);
    if (newest !== null && t < newest) {
      this.#newest.set(topic, newest);
      return false;
    }
    this.#newest.set(topic, t);
    this.#pending.set(topic, { site, timeMs: t, data });
    return true;
  }

  /** Write the newest offered result of each topic. */
  flush(): void {
    for (const [topic, p] of this.#pending) this.#retained.upsertResult(topic, p.site, p.timeMs, p.data);
    this.#pending.clear();
    this.#newest.clear();
  }
}
