import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../support/fake-agent.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('dead-link detection', () => {
  it('an agent that stops answering pings is terminated and shown disconnected', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make(), { pingIntervalMs: 20 })));
    const silent = await FakeAgent.connect(t.url, TOKENS.a1, { autoPong: false });
    await silent.hello();
    const lively = await FakeAgent.connect(t.url, TOKENS.a2);
    await lively.hello({ agentId: 'a2', epoch: 'cccccccc' });
    expect((await silent.closed).code).toBe(1006);
    await t.publisher.waitFor((e) => e.topic === 'agents/alpha/a1' && (e.data as { connected: boolean }).connected === false);
    expect(t.hub.counters.get('agent_dead_link_terminated')).toBeGreaterThanOrEqual(1);
    expect(lively.ws.readyState).toBe(lively.ws.OPEN);
  });
});
