/**
 * Latency samples and percentiles for the benchmarks. Times are
 * milliseconds on CLOCK_MONOTONIC (`monoMs()`), which every process on the
 * machine shares, so a timestamp taken in one process can be compared with
 * the receipt time in another.
 */

/** Milliseconds on the machine-wide monotonic clock (same in every process). */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The p-th percentile (0–100) of the samples, nearest rank; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** Collects latency samples; `summary()` sorts once. */
export class LatencySamples {
  #samples: number[] = [];

  add(ms: number): void {
    this.#samples.push(ms);
  }

  reset(): void {
    this.#samples = [];
  }

  get count(): number {
    return this.#samples.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.#samples).sort();
    const arr = Array.from(sorted);
    return { count: arr.length, p50: percentile(arr, 50), p99: percentile(arr, 99), max: arr.length > 0 ? (arr[arr.length - 1] ?? null) : null };
  }
}
