/**
 * Measuring helpers for the benchmarks: monotonic time from
 * process.hrtime.bigint, a warm-up before every timed loop, and no
 * assertions on the numbers (they are reported, never checked).
 */

/** Nanoseconds, monotonic. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds elapsed since `startNs`. */
export function msSince(startNs: bigint): number {
  return Number(nowNs() - startNs) / 1e6;
}

/** Scale a duration by BENCH_SCALE with a floor, so a smoke run still measures something. */
export function scaled(ms: number, scale: number, floorMs = 50): number {
  return Math.max(floorMs, Math.round(ms * scale));
}

/** Scale a count by BENCH_SCALE with a floor. */
export function scaledCount(n: number, scale: number, floor = 1): number {
  return Math.max(floor, Math.round(n * scale));
}

export interface OpsResult {
  ops: number;
  ms: number;
  opsPerSec: number;
}

/**
 * Measure several synchronous operations against each other, interleaved in
 * short slices (round-robin, `sliceMs` each) until each has run for
 * `durationMs`, after a warm-up of each. On a shared machine a burst of
 * load then hits all of them alike instead of whichever ran at that moment.
 */
export function compareOpsPerSecond(fns: ReadonlyArray<() => unknown>, durationMs: number, warmupMs: number, sliceMs = 100): OpsResult[] {
  let sink = 0;
  const batches = fns.map((fn) => {
    // Warm-up, and find a batch size of about 5 ms.
    let batch = 1;
    const warmEnd = nowNs() + BigInt(Math.round(warmupMs * 1e6));
    while (nowNs() < warmEnd) {
      const t0 = nowNs();
      for (let i = 0; i < batch; i++) if (fn() !== undefined) sink++;
      if (msSince(t0) < 5) batch = Math.min(batch * 2, 1 << 24);
    }
    return batch;
  });
  const ops = fns.map(() => 0);
  const spent = fns.map(() => 0n);
  const target = BigInt(Math.round(durationMs * 1e6));
  const slice = BigInt(Math.round(sliceMs * 1e6));
  while (spent.some((s) => s < target)) {
    fns.forEach((fn, k) => {
      if ((spent[k] as bigint) >= target) return;
      const batch = batches[k] as number;
      const start = nowNs();
      const end = start + slice;
      let t = start;
      while (t < end) {
        for (let i = 0; i < batch; i++) if (fn() !== undefined) sink++;
        ops[k] = (ops[k] as number) + batch;
        t = nowNs();
      }
      spent[k] = (spent[k] as bigint) + (t - start);
    });
  }
  if (sink < 0) console.log(sink); // never true; keeps `sink` alive
  return fns.map((_, k) => {
    const ms = Number(spent[k]) / 1e6;
    return { ops: ops[k] as number, ms, opsPerSec: ((ops[k] as number) / ms) * 1000 };
  });
}

/**
 * Run an async operation with `concurrency` workers until `durationMs` has
 * passed (after `warmupMs` of the same, unmeasured). Returns completed
 * operations per second over the measured window.
 */
export async function asyncOpsPerSecond(fn: () => Promise<unknown>, options: { concurrency: number; durationMs: number; warmupMs: number }): Promise<OpsResult> {
  const runFor = async (ms: number): Promise<{ ops: number; ms: number }> => {
    const start = nowNs();
    const end = start + BigInt(Math.round(ms * 1e6));
    let ops = 0;
    const worker = async (): Promise<void> => {
      while (nowNs() < end) {
        await fn();
        ops++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return { ops, ms: msSince(start) };
  };
  if (options.warmupMs > 0) await runFor(options.warmupMs);
  const r = await runFor(options.durationMs);
  return { ops: r.ops, ms: r.ms, opsPerSec: (r.ops / r.ms) * 1000 };
}

/**
 * Several async cases against each other, interleaved: `rounds` rounds, in
 * each every case runs for durationMs / rounds (the first round after a
 * warm-up of each). Operations and time add up over the rounds. `settleMs`
 * (unmeasured) between slices lets work a case leaves behind (processes
 * exiting, connections closing) finish before the next case is timed.
 */
export async function compareAsyncOpsPerSecond(
  cases: ReadonlyArray<{ fn: () => Promise<unknown>; concurrency: number }>,
  options: { durationMs: number; warmupMs: number; rounds: number; settleMs?: number },
): Promise<OpsResult[]> {
  const totals = cases.map(() => ({ ops: 0, ms: 0 }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [k, c] of cases.entries()) {
      if (options.settleMs) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      const r = await asyncOpsPerSecond(c.fn, { concurrency: c.concurrency, durationMs: options.durationMs / options.rounds, warmupMs: round === 0 ? options.warmupMs : 0 });
      const t = totals[k] as { ops: number; ms: number };
      t.ops += r.ops;
      t.ms += r.ms;
    }
  }
  return totals.map((t) => ({ ops: t.ops, ms: t.ms, opsPerSec: (t.ops / t.ms) * 1000 }));
}
