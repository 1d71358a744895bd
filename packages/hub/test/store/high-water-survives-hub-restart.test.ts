import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_A, results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('restarting the hub on the same database', () => {
  it('keeps the committed high water, the retained state, and shows the agent disconnected until it returns', async () => {
    const config = testConfig(dirs.make());
    const before = running.track(await startTestHub(config));
    const agent = await FakeAgent.connect(before.url, TOKENS.a1);
    await agent.hello();
    await agent.batch(0, results(1, 7));
    await before.hub.close();
    expect((await agent.closed).code).toBe(4008);

    const after = running.track(await startTestHub(config));
    const retained = after.hub.store.retained.loadRetained();
    expect(retained.map((e) => [e.kind, e.topic])).toEqual([
      ['agent', 'agents/alpha/a1'],
      ['result', 'site/alpha/host/nas/system_info'],
    ]);
    expect(retained[0]?.data).toMatchObject({ connected: false, hwm: 7 });
    expect(after.hub.status().agents).toEqual([expect.objectContaining({ agentId: 'a1', connected: false, hwm: 7, epoch: EPOCH_A })]);

    const back = await FakeAgent.connect(after.url, TOKENS.a1);
    expect(await back.hello({ lastSeq: 9, firstSeq: 6 })).toMatchObject({ ackedSeq: 7, epochStatus: 'known' });
    // the agent resends 6..9: 6 and 7 are duplicates
    expect(await back.batch(5, results(6, 4))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 9 });
    expect(after.hub.counters.get('duplicates_dropped')).toBe(2);
  });
});
