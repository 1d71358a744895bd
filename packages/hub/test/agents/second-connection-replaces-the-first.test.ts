import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('two connections of one agent', () => {
  it('the newer one takes over; the older is closed with AGENT_REPLACED and the agent stays connected', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const old = await FakeAgent.connect(t.url, TOKENS.a1);
    await old.hello();
    await old.batch(0, results(1, 2));
    const fresh = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await fresh.hello()).toMatchObject({ ackedSeq: 2, epochStatus: 'known' });
    expect(await old.next('error')).toMatchObject({ code: 'AGENT_REPLACED' });
    expect((await old.closed).code).toBe(CLOSE_CODES.AGENT_REPLACED);
    expect(await fresh.batch(2, results(3, 1))).toMatchObject({ t: 'ack', seq: 3 });
    expect(t.hub.status().agents[0]).toMatchObject({ agentId: 'a1', connected: true });
    expect(t.hub.store.agents.get('a1')?.connected).toBe(true);
    expect(t.hub.counters.get('agent_replaced')).toBe(1);
  });
});
