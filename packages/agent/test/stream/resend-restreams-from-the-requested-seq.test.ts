import { afterEach, describe, expect, it } from 'vitest';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('resend', () => {
  it('streams again from the seq the hub asks for, with a fresh window', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    appendResults(store, 12);
    const h = createLink(store, hubConfig(hub.url, { batchMaxRecords: 4, windowMaxRecords: 8 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await conn.recordsUpTo(8);
    await conn.roundTrip();
    expect(conn.records().flatMap((b) => b.records.map((r) => r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // The hub lost 3.. (say, it failed to commit them): it asks for 3 again.
    conn.send({ t: 'resend', epoch: store.epoch, fromSeq: 3 });
    await conn.roundTrip();
    const after = conn.records().slice(2);
    expect(after.map((b) => b.afterSeq)).toEqual([2, 6]);
    expect(after.flatMap((b) => b.records.map((r) => r.seq))).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h.counters.get('hub_resend')).toBe(1);
  });
});
