import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '@infrastructor/shared';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, outboxSeqs, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('streaming the outbox', () => {
  it('sends records in seq order, in batches, never more unacknowledged than the window', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    const written = appendResults(store, 20);
    const h = createLink(store, hubConfig(hub.url, { batchMaxRecords: 3, windowMaxRecords: 7 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);

    await conn.recordsUpTo(7);
    await conn.roundTrip();
    const sent = () => conn.records().flatMap((b) => b.records.map((r) => r.seq));
    expect(sent()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(conn.records().map((b) => b.records.length)).toEqual([3, 3, 1]);

    // Each ack opens the window by what it acknowledges.
    conn.send({ t: 'ack', epoch: store.epoch, seq: 3 });
    await conn.recordsUpTo(10);
    await conn.roundTrip();
    expect(sent()).toEqual(written.slice(0, 10));

    for (let acked = 10; sent().length < 20; ) {
      conn.send({ t: 'ack', epoch: store.epoch, seq: acked });
      await conn.roundTrip();
      acked = sent()[sent().length - 1] ?? acked;
    }
    expect(sent()).toEqual(written);
    const batches = conn.records();
    for (const [i, b] of batches.entries()) {
      expect(b.epoch).toBe(store.epoch);
      expect(b.records.length).toBeLessThanOrEqual(3);
      // Each batch follows directly after the previous one.
      expect(b.afterSeq).toBe(i === 0 ? 0 : batches[i - 1]!.records.at(-1)!.seq);
    }
    expect(conn.invalidFrames).toEqual([]);
  });

  it('bounds batches and the window by payload bytes; a record larger than a batch goes out alone', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    const small = appendResults(store, 6, 300); // ~320 bytes each
    const big = store.outbox.append('result', encode({ pad: 'y'.repeat(3000) }));
    const h = createLink(store, hubConfig(hub.url, { batchMaxBytes: 1024, windowMaxBytes: 2048 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await conn.recordsUpTo(small[5]!);
    await conn.roundTrip();
    const bytesOf = (seqs: number[]) =>
      store.outbox.peek({ maxRecords: 100, maxBytes: 1e9 }).filter((r) => seqs.includes(r.seq)).reduce((n, r) => n + r.sizeBytes, 0);
    for (const b of conn.records()) expect(bytesOf(b.records.map((r) => r.seq))).toBeLessThanOrEqual(1024);
    expect(conn.records().flatMap((b) => b.records.map((r) => r.seq))).toEqual(small);

    conn.send({ t: 'ack', epoch: store.epoch, seq: small[5]! });
    const last = await conn.recordsUpTo(big);
    expect(last).toMatchObject({ afterSeq: small[5], records: [expect.objectContaining({ seq: big })] });
    expect(outboxSeqs(store)).toEqual([big]);
  });

  it('streams records written later when notified', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await h.waitForState((s) => s.connected);
    const seqs = appendResults(store, 4);
    h.link.notify();
    h.link.notify();
    await conn.recordsUpTo(4);
    expect(conn.records().flatMap((b) => b.records.map((r) => r.seq))).toEqual(seqs);
    expect(conn.records()).toHaveLength(1);
  });
});
