import { afterEach, describe, expect, it } from 'vitest';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, outboxSeqs, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('acknowledgements', () => {
  it('a cumulative ack deletes every record up to it from the outbox', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    appendResults(store, 10);
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await conn.recordsUpTo(10);
    expect(outboxSeqs(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    conn.send({ t: 'ack', epoch: store.epoch, seq: 6 });
    await conn.roundTrip();
    expect(outboxSeqs(store)).toEqual([7, 8, 9, 10]);
    expect(h.link.state().lastAckSeq).toBe(6);

    // Repeating or going back is a no-op.
    conn.send({ t: 'ack', epoch: store.epoch, seq: 4 });
    await conn.roundTrip();
    expect(outboxSeqs(store)).toEqual([7, 8, 9, 10]);

    // An ack for another epoch is ignored (logged and counted).
    conn.send({ t: 'ack', epoch: 'ab'.repeat(16), seq: 10 });
    await conn.roundTrip();
    expect(outboxSeqs(store)).toEqual([7, 8, 9, 10]);
    expect(h.counters.get('hub_epoch_mismatch')).toBe(1);

    conn.send({ t: 'ack', epoch: store.epoch, seq: 10 });
    await conn.roundTrip();
    expect(outboxSeqs(store)).toEqual([]);
    expect(store.outbox.stats().lastSeq).toBe(10);
  });

  it("welcome's ackedSeq deletes what the hub already has and streams only the rest", async () => {
    const hub = await FakeHub.start({ onHello: (c) => c.welcome(6, 'known') });
    const store = openStore(dirs.make());
    appendResults(store, 9);
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await conn.recordsUpTo(9);
    expect(conn.records()).toEqual([expect.objectContaining({ afterSeq: 6 })]);
    expect(conn.records()[0]!.records.map((r) => r.seq)).toEqual([7, 8, 9]);
    expect(outboxSeqs(store)).toEqual([7, 8, 9]);
    expect(await h.waitForState((s) => s.connected)).toMatchObject({ lastAckSeq: 6 });
  });

  it('an ack beyond the last seq the outbox assigned is a protocol error: the link reconnects', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    appendResults(store, 3);
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const first = await hub.connection(1);
    await first.recordsUpTo(3);
    first.send({ t: 'ack', epoch: store.epoch, seq: 99 });
    expect(await first.closed).toMatchObject({ code: 4000 });
    await (await hub.connection(2)).hello();
    expect(outboxSeqs(store)).toEqual([1, 2, 3]);
    expect(h.counters.get('hub_frame_invalid')).toBe(1);
  });
});
