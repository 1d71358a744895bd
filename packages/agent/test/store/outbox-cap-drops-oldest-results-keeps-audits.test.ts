import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decode } from '@infrastructor/shared';
import type { AgentStore } from '../../src/store/agent-store.js';
import { parseGapPayload, type GapPayload } from '../../src/store/outbox.js';
import { auditEntry, manualClock, memoryLogger, openStore, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

interface Seen {
  seq: number;
  kind: string;
  sizeBytes: number;
  gap?: GapPayload;
}

function all(store: AgentStore): Seen[] {
  return store.outbox.peek({ maxRecords: 100_000, maxBytes: Number.MAX_SAFE_INTEGER }).map((r) => ({
    seq: r.seq,
    kind: r.kind,
    sizeBytes: r.sizeBytes,
    ...(r.kind === 'gap' ? { gap: parseGapPayload(decode(r.payload)) } : {}),
  }));
}

/**
 * With nothing acked: every seq 1..lastSeq is in the outbox or a result inside
 * exactly one gap range, and each gap's count matches the seqs missing in it.
 */
function expectEverySeqDeliveredOrInAGap(store: AgentStore, appendedKinds: Map<number, string>): void {
  const rows = all(store);
  const present = new Set(rows.map((r) => r.seq));
  const gaps = rows.flatMap((r) => (r.gap ? [r.gap] : []));
  for (let seq = 1; seq <= store.outbox.lastSeq(); seq++) {
    if (present.has(seq)) continue;
    const covering = gaps.filter((g) => g.fromSeq <= seq && seq <= g.toSeq);
    expect(covering, `seq ${seq} is neither in the outbox nor in exactly one gap`).toHaveLength(1);
    expect(appendedKinds.get(seq), `dropped seq ${seq} must have been a result`).toBe('result');
  }
  for (const g of gaps) {
    let missing = 0;
    for (let seq = g.fromSeq; seq <= g.toSeq; seq++) if (!present.has(seq)) missing++;
    expect(missing).toBe(g.droppedResults);
  }
}

describe('outbox cap policy', () => {
  it('drops the oldest results past maxBytes, records exact gaps, keeps every audit', () => {
    const maxBytes = 10_000;
    const logger = memoryLogger();
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock(), logger, { outboxMaxBytes: maxBytes });
    const kinds = new Map<number, string>();
    const audits: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = store.outbox.append('result', Buffer.alloc(150, i));
      kinds.set(r, 'result');
      if (i % 10 === 9) {
        const a = store.outbox.append('audit', Buffer.alloc(100, i));
        kinds.set(a, 'audit');
        audits.push(a);
      }
      for (const g of all(store).filter((x) => x.kind === 'gap')) kinds.set(g.seq, 'gap');
      expect(store.outbox.stats().bytes).toBeLessThanOrEqual(maxBytes);
      if (i % 20 === 0) expectEverySeqDeliveredOrInAGap(store, kinds);
    }
    expectEverySeqDeliveredOrInAGap(store, kinds);
    const rows = all(store);
    // Every audit is still there.
    expect(rows.filter((r) => r.kind === 'audit').map((r) => r.seq)).toEqual(audits);
    // The results left are the newest ones: a suffix of all results by seq.
    const allResults = [...kinds].filter(([, k]) => k === 'result').map(([s]) => s);
    const keptResults = rows.filter((r) => r.kind === 'result').map((r) => r.seq);
    expect(keptResults.length).toBeGreaterThan(0);
    expect(keptResults).toEqual(allResults.slice(allResults.length - keptResults.length));
    // Gap records add up to exactly what was dropped, in increasing, disjoint ranges.
    const gaps = rows.flatMap((r) => (r.gap ? [r.gap] : []));
    const dropped = allResults.length - keptResults.length;
    expect(gaps.reduce((n, g) => n + g.droppedResults, 0)).toBe(dropped);
    expect(gaps.reduce((n, g) => n + g.droppedBytes, 0)).toBe(dropped * 150);
    for (const [i, g] of gaps.entries()) {
      expect(g.reasons).toEqual(['maxBytes']);
      if (i > 0) expect(g.fromSeq).toBeGreaterThan(gaps[i - 1]!.toSeq);
    }
    expect(gaps[0]!.fromSeq).toBe(1);
    // Hysteresis: each over-cap pass frees ~10 % of the cap, so gaps stay rare.
    expect(gaps.length).toBeLessThan(dropped / 5);
    const stats = store.outbox.stats();
    expect(stats).toMatchObject({ droppedResultsTotal: dropped, gapRecordsTotal: gaps.length, overCapacity: false });
    // One warn line for the episode, not one per write.
    expect(logger.lines.filter((l) => l.obj['event'] === 'outbox_dropping_results')).toHaveLength(1);
    // The episode ends once the hub catches up (the outbox drains below the low-water mark).
    store.outbox.ack(store.outbox.lastSeq());
    expect(logger.lines.filter((l) => l.obj['event'] === 'outbox_stopped_dropping')).toHaveLength(1);
    store.close();
  });

  it('keeps audits over the cap, flags overCapacity, and drops a new result at once', () => {
    const logger = memoryLogger();
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock(), logger, { outboxMaxBytes: 1000 });
    for (let i = 0; i < 15; i++) store.outbox.append('audit', Buffer.alloc(100));
    store.outbox.append('change', Buffer.alloc(100));
    let stats = store.outbox.stats();
    expect(stats).toMatchObject({ count: 16, bytes: 1600, overCapacity: true, droppedResultsTotal: 0 });
    expect(stats.overCapacityPassesTotal).toBeGreaterThan(0);
    expect(logger.lines.filter((l) => l.level === 'warn' && l.obj['event'] === 'outbox_over_capacity')).toHaveLength(1);

    const seqs = store.collections.record({ audit: auditEntry(), result: resultEntry() });
    expect(seqs.gapSeq).toBe(seqs.auditSeq + 1);
    const rows = all(store);
    expect(rows.filter((r) => r.kind === 'audit')).toHaveLength(16);
    expect(rows.filter((r) => r.kind === 'result')).toHaveLength(0);
    expect(rows.at(-1)!.gap).toMatchObject({ droppedResults: 1, fromSeq: seqs.resultSeq, toSeq: seqs.resultSeq, reasons: ['maxBytes'] });

    // Once the hub acks, the flag clears.
    store.outbox.ack(seqs.auditSeq);
    stats = store.outbox.stats();
    expect(stats.overCapacity).toBe(false);
    store.outbox.enforceCaps();
    expect(logger.lines.some((l) => l.obj['event'] === 'outbox_within_capacity')).toBe(true);
    store.close();
  });

  it('drops results older than maxAgeMs (never audits) and reports the reason', () => {
    const clock = manualClock();
    const store = openStore(join(dirs.make(), 'agent.db'), clock, undefined, { outboxMaxAgeMs: 60_000 });
    const r1 = store.outbox.append('result', Buffer.alloc(10));
    const a1 = store.outbox.append('audit', Buffer.alloc(10));
    const r2 = store.outbox.append('result', Buffer.alloc(10));
    clock.advance(30_000);
    const r3 = store.outbox.append('result', Buffer.alloc(10));
    clock.advance(31_000);
    // Nothing is written while idle: enforceCaps applies the age cap on its own.
    const outcome = store.outbox.enforceCaps();
    expect(outcome).toMatchObject({ droppedResults: 2, droppedBytes: 20, overCapacity: true });
    const rows = all(store);
    expect(rows.map((r) => r.seq)).toEqual([a1, r3, outcome.gapSeq]);
    expect(rows.at(-1)!.gap).toEqual({ droppedResults: 2, droppedBytes: 20, fromSeq: r1, toSeq: r2, reasons: ['maxAgeMs'] });
    expect(store.outbox.stats().oldestAgeMs).toBe(61_000);
    store.close();
  });

  it('never rewrites a gap the stream may already have sent: each drop is a new gap record', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock(), undefined, { outboxMaxBytes: 500 });
    store.outbox.append('result', Buffer.alloc(250)); // 1
    store.outbox.append('result', Buffer.alloc(250)); // 2 (exactly at the cap: nothing dropped)
    expect(store.outbox.stats().droppedResultsTotal).toBe(0);
    store.outbox.append('result', Buffer.alloc(250)); // 3: over → drops 1 and 2 down to the low-water mark → gap 4
    const sent = store.outbox.peek({ afterSeq: 0, maxRecords: 10, maxBytes: 10_000 });
    expect(sent.map((r) => [r.seq, r.kind])).toEqual([
      [3, 'result'],
      [4, 'gap'],
    ]);
    expect(parseGapPayload(decode(sent[1]!.payload))).toEqual({ droppedResults: 2, droppedBytes: 500, fromSeq: 1, toSeq: 2, reasons: ['maxBytes'] });
    const sentGapBytes = Buffer.from(sent[1]!.payload);

    store.outbox.append('result', Buffer.alloc(250)); // 5: over → drops 3 → a NEW gap 6; gap 4 untouched
    const rows = all(store);
    expect(rows.map((r) => [r.seq, r.kind])).toEqual([
      [4, 'gap'],
      [5, 'result'],
      [6, 'gap'],
    ]);
    expect(rows[2]!.gap).toEqual({ droppedResults: 1, droppedBytes: 250, fromSeq: 3, toSeq: 3, reasons: ['maxBytes'] });
    expect(store.outbox.peek({ afterSeq: 3, maxRecords: 1, maxBytes: 10_000 })[0]!.payload).toEqual(sentGapBytes);
    expect(() => store.db.prepare('UPDATE outbox SET created_at_ms = 0').run()).toThrow(/immutable/);
    store.close();
  });
});
