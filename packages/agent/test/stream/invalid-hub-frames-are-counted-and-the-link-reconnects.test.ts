import { afterEach, describe, expect, it } from 'vitest';
import { FakeHub, type HubConnection } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, outboxSeqs, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('frames from the hub that fail validation', () => {
  it('close the connection with the matching code, are logged and counted, and the link reconnects', async () => {
    // What the hub answers each hello with, by connection.
    const misbehave: Array<(c: HubConnection) => void> = [
      (c) => {
        c.welcome(0);
        c.ws.send(Buffer.from([0xc1]), { binary: true }); // not MessagePack
      },
      (c) => c.ws.send('{"t":"welcome"}'), // a text frame
      (c) => {
        c.welcome(0);
        c.send({ t: 'ack', epoch: 'not-an-epoch', seq: -1 }); // fails validation
      },
      (c) => c.send({ t: 'surprise' }), // unknown type
      (c) => c.send({ t: 'welcome', protocol: 99, ackedSeq: 0, epochStatus: 'new' }), // another protocol
      (c) => c.welcome(0), // finally, a good hub
    ];
    let hello = 0;
    const hub = await FakeHub.start({ onHello: (c) => misbehave[hello++]?.(c) });
    const store = openStore(dirs.make());
    appendResults(store, 3);
    const h = createLink(store, hubConfig(hub.url, { reconnectMaxDelayMs: 20 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();

    const closes = [];
    for (let n = 1; n <= 5; n++) closes.push((await (await hub.connection(n)).closed).code);
    expect(closes).toEqual([4000, 4000, 4000, 4002, 4001]);

    const good = await hub.connection(6);
    await good.recordsUpTo(3);
    expect(good.invalidFrames).toEqual([]);
    expect(outboxSeqs(store)).toEqual([1, 2, 3]);
    expect(h.counters.get('hub_frame_invalid')).toBe(5);
    expect(h.counters.get('hub_link_failed.FRAME_INVALID')).toBe(3);
    expect(h.counters.get('hub_link_failed.MESSAGE_UNKNOWN')).toBe(1);
    expect(h.counters.get('hub_link_failed.PROTOCOL_VERSION_MISMATCH')).toBe(1);
    const logged = h.lines.filter((l) => l.event === 'hub_frame_invalid');
    expect(logged.map((l) => l.code)).toEqual(['FRAME_INVALID', 'FRAME_INVALID', 'FRAME_INVALID', 'MESSAGE_UNKNOWN', 'PROTOCOL_VERSION_MISMATCH']);
    // The same failure twice in a row (no welcome between) is a warning once, then debug.
    expect(logged.map((l) => l.level)).toEqual([40, 20, 40, 40, 40]);
    // The protocol mismatch waits the max delay; the state says the link recovered.
    expect(logged[4]).toMatchObject({ retryInMs: 20 });
    expect(h.link.state()).toMatchObject({ connected: true, lastError: { code: 'PROTOCOL_VERSION_MISMATCH' } });
  });

  it('an error frame from the hub is logged with its code and the connection stays', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await h.waitForState((s) => s.connected);
    conn.send({ t: 'error', code: 'REQUEST_INVALID', message: 'something about a request' });
    await conn.roundTrip();
    expect(h.counters.get('hub_error.REQUEST_INVALID')).toBe(1);
    expect(h.lines.find((l) => l.event === 'hub_error')).toMatchObject({ level: 40, code: 'REQUEST_INVALID' });
    conn.send({ t: 'ack', epoch: store.epoch, seq: 0 });
    await conn.roundTrip();
    expect(hub.connections).toHaveLength(1);
  });
});
