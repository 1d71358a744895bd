import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_A, EPOCH_B, results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('agent epochs', () => {
  it('a new epoch is recorded and announced, starts at high water 0, and the old epoch keeps its own', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const first = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await first.hello({ epoch: EPOCH_A })).toMatchObject({ ackedSeq: 0, epochStatus: 'new' });
    await first.batch(0, results(1, 5));
    await first.close();

    const second = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await second.hello({ epoch: EPOCH_B })).toMatchObject({ ackedSeq: 0, epochStatus: 'replaced' });
    const announced = await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as { epochStatus: string }).epochStatus === 'replaced');
    expect(announced).toMatchObject({ topic: 'agents/alpha/a1', retain: true, data: { epoch: EPOCH_B, previousEpoch: EPOCH_A, hwm: 0, connected: true } });
    expect(t.log.events()).toContain('agent_epoch_replaced');

    // seq 1 of the new epoch is new, not a duplicate of the old epoch's seq 1
    expect(await second.batch(0, results(1, 1, { collectedAtMs: 10_000 }), EPOCH_B)).toEqual({ t: 'ack', epoch: EPOCH_B, seq: 1 });
    expect(t.hub.counters.get('duplicates_dropped')).toBe(0);
    expect(t.hub.store.agents.epochs('a1').map((e) => e.epoch)).toEqual([EPOCH_A, EPOCH_B]);
    expect(t.hub.db.prepare('SELECT epoch, seq FROM high_water ORDER BY epoch').all()).toEqual([
      { epoch: EPOCH_A, seq: 5 },
      { epoch: EPOCH_B, seq: 1 },
    ]);
    await second.close();

    // the same epoch again is known
    const third = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await third.hello({ epoch: EPOCH_B })).toMatchObject({ ackedSeq: 1, epochStatus: 'known' });
  });
});
