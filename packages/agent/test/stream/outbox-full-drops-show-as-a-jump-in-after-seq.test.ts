import { afterEach, describe, expect, it } from 'vitest';
import { decode, parseGapPayload, type AgentRecords, type GapPayload } from '@infrastructor/shared';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('outbox-full drops', () => {
  it("a batch's afterSeq shows the hub the jump over dropped results, and gap records account for every missing seq", async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make(), { outboxMaxBytes: 4000 });
    const h = createLink(store, hubConfig(hub.url, { windowMaxRecords: 5 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    appendResults(store, 5, 300);
    h.link.start();
    const conn = await hub.connection(1);
    await conn.recordsUpTo(5);
    await conn.roundTrip();
    expect(conn.records().flatMap((b) => b.records.map((r) => r.seq))).toEqual([1, 2, 3, 4, 5]);

    // The hub does not ack; the window is full, the agent keeps collecting and the outbox overflows.
    appendResults(store, 25, 300);
    h.link.notify();
    await conn.roundTrip();
    expect(conn.records()).toHaveLength(1);
    const lastSeq = store.outbox.lastSeq();
    expect(store.outbox.stats().droppedResultsTotal).toBeGreaterThan(5);
    const firstLeft = store.outbox.peek({ afterSeq: 5, maxRecords: 1, maxBytes: 1 })[0]!.seq;
    expect(firstLeft).toBeGreaterThan(6);

    // From here the hub acks every batch.
    hub.onMessage((c, m) => {
      if (m.t === 'records') c.send({ t: 'ack', epoch: m.epoch, seq: m.records.at(-1)!.seq });
    });
    conn.send({ t: 'ack', epoch: store.epoch, seq: 5 });
    await conn.recordsUpTo(lastSeq);

    const batches = conn.records();
    expect(batches[1]).toMatchObject({ afterSeq: 5 });
    expect(batches[1]!.records[0]!.seq).toBe(firstLeft);

    // Every seq was delivered, or is a result inside exactly one gap's range.
    const delivered = new Map(batches.flatMap((b: AgentRecords) => b.records.map((r) => [r.seq, r] as const)));
    const gaps: GapPayload[] = [...delivered.values()].filter((r) => r.kind === 'gap').map((r) => parseGapPayload(decode(r.payload)));
    expect(gaps.length).toBeGreaterThan(0);
    for (let seq = 1; seq <= lastSeq; seq++) {
      if (delivered.has(seq)) continue;
      expect(gaps.filter((g) => g.fromSeq <= seq && seq <= g.toSeq), `seq ${seq}`).toHaveLength(1);
    }
    // Seqs only increase over the whole stream, resend-free.
    const order = batches.slice(1).flatMap((b) => b.records.map((r) => r.seq));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
