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

async function connectedAt(hwm: number) {
  const t = running.track(await startTestHub(testConfig(dirs.make())));
  const agent = await FakeAgent.connect(t.url, TOKENS.a1);
  await agent.hello();
  if (hwm > 0) await agent.batch(0, results(1, hwm));
  return { t, agent };
}

describe('a batch that does not follow the committed high water', () => {
  it('is not applied: the hub asks once for a resend from hwm+1, and applies the answer when it follows', async () => {
    const { t, agent } = await connectedAt(3);
    expect(await agent.batch(6, results(7, 2))).toEqual({ t: 'resend', epoch: EPOCH_A, fromSeq: 4 });
    expect(t.hub.store.agents.highWater('a1', EPOCH_A)).toBe(3);
    // a batch already on the wire before the agent saw the resend is skipped, not answered
    agent.records(8, results(9, 1));
    // the agent rewinds to 3 and sends everything again
    expect(await agent.batch(3, results(4, 6))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 9 });
    expect(t.hub.counters.get('resends_sent')).toBe(1);
    expect(t.hub.counters.get('batches_skipped_awaiting_resend')).toBe(1);
    expect(t.hub.db.prepare('SELECT count(*) AS n FROM gaps').get()).toEqual({ n: 0 });
    expect(agent.frames.filter((f) => f.t === 'resend')).toHaveLength(1);
  });

  it('answered with a batch still beyond the high water (the agent no longer has them): applied, and the lost range is a hub-side gap', async () => {
    const { t, agent } = await connectedAt(3);
    expect(await agent.batch(10, results(11, 2))).toEqual({ t: 'resend', epoch: EPOCH_A, fromSeq: 4 });
    expect(await agent.batch(10, results(11, 2))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 12 });
    expect(t.hub.db.prepare('SELECT agent_id, epoch, source, reason, seq, from_seq, to_seq FROM gaps').all()).toEqual([
      { agent_id: 'a1', epoch: EPOCH_A, source: 'hub', reason: 'hub_missing', seq: null, from_seq: 4, to_seq: 10 },
    ]);
    const gapEvent = await t.publisher.waitFor((e) => e.kind === 'gap');
    expect(gapEvent).toMatchObject({ topic: 'agents/alpha/a1', retain: false, data: { source: 'hub', reason: 'hub_missing', fromSeq: 4, toSeq: 10 } });
    expect(t.hub.counters.get('hub_gap_recorded')).toBe(1);
    expect(t.log.events()).toContain('hub_gap_recorded');
    // and the stream continues normally
    expect(await agent.batch(12, results(13, 1))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 13 });
  });

  it('on a new connection the hub asks again (the resend state belongs to the connection)', async () => {
    const { t, agent } = await connectedAt(2);
    expect((await agent.batch(5, results(6, 1))).t).toBe('resend');
    await agent.close();
    const again = await FakeAgent.connect(t.url, TOKENS.a1);
    expect(await again.hello()).toMatchObject({ ackedSeq: 2, epochStatus: 'known' });
    expect(await again.batch(5, results(6, 1))).toEqual({ t: 'resend', epoch: EPOCH_A, fromSeq: 3 });
  });
});
