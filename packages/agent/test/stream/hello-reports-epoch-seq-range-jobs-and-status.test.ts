import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type AgentStatus } from '@infrastructor/shared';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, tempDirs, TOKEN } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('hello', () => {
  it('carries the database epoch, the outbox seq range, the jobs and the bearer token', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    appendResults(store, 5);
    store.outbox.ack(2);
    const jobs = [{ host: 'nas', command: 'disk_usage', schedule: '*/5 * * * *', intervalMs: 300_000 }];
    const h = createLink(store, hubConfig(hub.url), { jobs });
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();

    const conn = await hub.connection(1);
    const hello = await conn.hello();
    expect(hello).toEqual({
      t: 'hello',
      protocol: PROTOCOL_VERSION,
      agentId: 'lab-agent',
      site: 'lab',
      epoch: store.epoch,
      firstSeq: 3,
      lastSeq: 5,
      version: '0.1.0-test',
      jobs,
    });
    expect(conn.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(h.raw()).not.toContain(TOKEN);
  });

  it('reports 0/0 for an empty outbox, and sends status right after the welcome', async () => {
    const hub = await FakeHub.start();
    const store = openStore(dirs.make());
    appendResults(store, 3);
    store.outbox.ack(3);
    const h = createLink(store, hubConfig(hub.url));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const conn = await hub.connection(1);
    expect(await conn.hello()).toMatchObject({ firstSeq: 0, lastSeq: 0 });
    const status = await conn.waitFor((m): m is AgentStatus => m.t === 'status');
    expect(status).toEqual({ t: 'status', outboxRecords: 0, outboxBytes: 0, oldestAgeMs: null, lastSeq: 3 });
    await h.waitForState((s) => s.connected);
    expect(h.link.state()).toMatchObject({ phase: 'connected', connected: true, url: hub.url, agentId: 'lab-agent', lastAckSeq: 0, lastError: null });
  });
});
