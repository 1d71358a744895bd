import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('hub shutdown', () => {
  it('closes agents with HUB_SHUTTING_DOWN, fails pending requests, closes the gateway and the database; twice is fine', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    const early = await FakeAgent.connect(t.url, TOKENS.a2); // never sends hello
    const pending = t.hub.relay.collect({
      requestId: 'r1',
      site: 'alpha',
      host: 'nas',
      command: 'system_info',
      params: {},
      forceRefresh: false,
      timeoutMs: 60_000,
      principal: { name: 'ops', role: 'operator', sites: ['*'] },
      correlationId: 'c',
    });
    await agent.next('collect');
    await Promise.all([t.hub.close(), t.hub.close()]);
    expect(await agent.next('error').catch(() => agent.frames.find((f) => f.t === 'error'))).toMatchObject({ code: 'HUB_SHUTTING_DOWN' });
    expect((await agent.closed).code).toBe(CLOSE_CODES.HUB_SHUTTING_DOWN);
    expect((await early.closed).code).toBe(CLOSE_CODES.HUB_SHUTTING_DOWN);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'HUB_SHUTTING_DOWN' } });
    expect(t.gateway.closeCalls).toBe(1);
    expect(t.hub.db.open).toBe(false);
    expect(t.log.events()).toContain('hub_stopped');
    await t.hub.close();
    await expect(fetch(`http://127.0.0.1:${t.hub.port}/healthz`)).rejects.toThrow();
  });
});
