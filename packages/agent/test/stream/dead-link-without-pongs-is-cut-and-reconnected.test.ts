import { afterEach, describe, expect, it } from 'vitest';
import { FakeHub } from './fake-hub.js';
import { createLink, hubConfig, manualTimers, openStore, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

const PING_MS = 1000;

describe('keepalive', () => {
  it('keeps a link whose pongs come back', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    const timers = manualTimers();
    const h = createLink(store, hubConfig(hub.url, { pingIntervalMs: PING_MS }), { timers, random: () => 0 });
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    await h.waitForState((s) => s.connected);
    for (let i = 0; i < 5; i++) {
      const pinged = new Promise<void>((resolve) => conn.ws.once('ping', () => resolve()));
      expect(timers.fire(PING_MS)).toBe(1);
      await pinged;
      await conn.roundTrip();
    }
    expect(h.link.state()).toMatchObject({ connected: true, lastError: null });
    expect(hub.connections).toHaveLength(1);
  });

  it('cuts the connection when no pong comes within two ping intervals, then reconnects', async () => {
    const hub = await FakeHub.start({ autoPong: false });
    const store = openStore(dirs.make());
    const timers = manualTimers();
    const h = createLink(store, hubConfig(hub.url, { pingIntervalMs: PING_MS }), { timers, random: () => 0 });
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const first = await hub.connection(1);
    await h.waitForState((s) => s.connected);

    expect(timers.fire(PING_MS)).toBe(1); // ping 1
    expect(timers.fire(PING_MS)).toBe(1); // ping 2, ping 1 still unanswered
    expect(h.link.state().connected).toBe(true);
    expect(timers.fire(PING_MS)).toBe(1); // two intervals without a pong: dead
    expect(h.link.state()).toMatchObject({ phase: 'disconnected', lastError: { code: 'HUB_UNREACHABLE' } });
    expect(h.link.state().lastError?.message).toContain('no pong from the hub within 2000 ms');
    expect(h.counters.get('hub_link_dead')).toBe(1);
    await first.closed;

    // Full jitter with random() = 0: the reconnect is due at once.
    expect(timers.fire(0)).toBe(1);
    await (await hub.connection(2)).hello();
  });
});
