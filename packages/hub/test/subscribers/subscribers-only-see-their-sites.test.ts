import { afterEach, describe, expect, it } from 'vitest';
import { agent, result, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('site scope', () => {
  it('a subscriber scoped to site a never sees site b, in snapshots, live events or resume replays', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'h1', 'df', 1), result('b', 'h2', 'df', 2), agent('b', 'agent-b', {}), agent('a', 'agent-a', {}));

    const scoped = await TestSubscriber.ready(hub.url, 'a-viewer');
    const everyone = await TestSubscriber.ready(hub.url, 'all-viewer');
    for (const s of [scoped, everyone]) s.subscribe(['#']);
    const snapA = await scoped.waitFor((m) => m.t === 'snapshot');
    const snapAll = await everyone.waitFor((m) => m.t === 'snapshot');
    expect(snapA.t === 'snapshot' && snapA.entries.map((e) => e.topic)).toEqual(['site/a/host/h1/df', 'agents/a/agent-a']);
    expect(snapAll.t === 'snapshot' && snapAll.entries).toHaveLength(4);

    // Even a pattern naming site b explicitly yields nothing of b.
    scoped.subscribe(['site/b/#']);
    const second = await scoped.waitFor((m) => m.t === 'snapshot' && m !== snapA);
    expect(second.t === 'snapshot' && second.entries).toEqual([]);

    hub.publish(result('b', 'h2', 'df', 3), result('a', 'h1', 'df', 4), result('b', 'h2', 'df', 5));
    hub.publish(result('a', 'h1', 'uptime', 6));
    const allLive = await everyone.waitForLiveEvents(4);
    const aLive = await scoped.waitForLiveEvents(2);
    expect(allLive.map((e) => e.data)).toEqual([3, 4, 5, 6]);
    expect(aLive.map((e) => e.data)).toEqual([4, 6]);

    const resumed = await TestSubscriber.ready(hub.url, 'a-viewer');
    resumed.subscribe(['#'], { resume: { hubEpoch: hub.state.hubEpoch, afterSeq: 0 } });
    hub.publish(agent('a', 'end', {}));
    const replay = await resumed.waitForLiveEvents(5);
    expect(replay.every((e) => e.topic.split('/')[1] === 'a')).toBe(true);
    expect(replay.map((e) => e.topic)).toEqual(['site/a/host/h1/df', 'agents/a/agent-a', 'site/a/host/h1/df', 'site/a/host/h1/uptime', 'agents/a/end']);
  });
});
