import { afterEach, describe, expect, it } from 'vitest';
import { formatHubLine } from '../../src/cli/status-report.js';
import { LinkStateStore } from '../../src/store/link-state-store.js';
import { FakeHub } from './fake-hub.js';
import { createLink, hubConfig, openStore, tempDirs, TOKEN } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

describe('refused connections', () => {
  it('HTTP 401 at the upgrade is AUTH_FAILED with a hint, retried slowly and logged once', async () => {
    const hub = await FakeHub.start({ refuseWith: 401 });
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(hub.url, { reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 30 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();

    const state = await h.waitForState((s) => s.lastError !== null);
    expect(state).toMatchObject({ phase: 'disconnected', connected: false, lastError: { code: 'AUTH_FAILED' } });
    expect(state.lastError?.message).toContain('check hub.token');
    await hub.upgradeAttempt(4);

    const failures = h.lines.filter((l) => l.event === 'hub_auth_failed');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.filter((l) => l.level === 40)).toHaveLength(1);
    expect(failures.every((l) => l.httpStatus === 401 && l.code === 'AUTH_FAILED' && l.retryInMs === 30)).toBe(true);
    expect(h.counters.get('hub_link_failed.AUTH_FAILED')).toBeGreaterThanOrEqual(3);
    expect(hub.upgradeHeaders.every((hd) => hd.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(h.raw()).not.toContain(TOKEN);

    // `infra-agent status` reads what the link wrote to the meta table.
    const line = formatHubLine({
      site: 'lab',
      databasePath: store.path,
      epoch: store.epoch,
      nowMs: Date.now(),
      lastSuccesses: [],
      recentErrors: [],
      outbox: store.outbox.stats(),
      hub: { url: hub.url, link: new LinkStateStore(store.db).read() },
    });
    expect(line).toMatch(new RegExp(`^hub: ${hub.url} — DISCONNECTED since \\d+s ago; last error AUTH_FAILED`));
  });

  it('close code 4003 after hello is AGENT_ID_MISMATCH, pointing at hub.agentId', async () => {
    const hub = await FakeHub.start({ onHello: (c) => c.ws.close(4003, 'token is bound to agent other') });
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(hub.url, { reconnectMaxDelayMs: 25 }));
    cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
    h.link.start();
    const state = await h.waitForState((s) => s.lastError !== null);
    expect(state.lastError).toMatchObject({ code: 'AGENT_ID_MISMATCH' });
    expect(state.lastError?.message).toContain('4003');
    expect(state.lastError?.message).toContain('token is bound to agent other');
    expect(state.lastError?.message).toContain('check hub.agentId');
    await hub.connection(3);
    const lines = h.lines.filter((l) => l.event === 'hub_closed');
    expect(lines[0]).toMatchObject({ level: 40, closeCode: 4003, code: 'AGENT_ID_MISMATCH', retryInMs: 25 });
  });

  it('a hub that is not listening is HUB_UNREACHABLE and retried with backoff', async () => {
    const hub = await FakeHub.start();
    const url = hub.url;
    await hub.stop();
    const store = openStore(dirs.make());
    const h = createLink(store, hubConfig(url));
    cleanups.push(() => store.close(), () => h.link.destroy());
    h.link.start();
    const state = await h.waitForState((s) => s.lastError !== null);
    expect(state.lastError).toMatchObject({ code: 'HUB_UNREACHABLE' });
    expect(state.lastError?.message).toContain('ECONNREFUSED');
  });
});
