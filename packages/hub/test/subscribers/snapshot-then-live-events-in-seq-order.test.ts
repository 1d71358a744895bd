import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@infrastructor/shared';
import { agent, result, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('subscribe', () => {
  it('answers hello with welcome (protocol, hub epoch, role, sites)', async () => {
    hub = await startTestHub({ hubEpoch: 'feedbeef00000001' });
    const sub = await TestSubscriber.ready(hub.url, 'a-operator');
    expect(sub.received[0]).toEqual({ t: 'welcome', protocol: PROTOCOL_VERSION, hubEpoch: 'feedbeef00000001', role: 'operator', sites: ['a'] });
  });

  it('sends the retained state (including what was loaded at start) as a snapshot, then live events with increasing seq and topicSeq', async () => {
    hub = await startTestHub({
      retained: { loadRetained: () => [result('a', 'nas', 'df', { loaded: true }), agent('a', 'agent-1', { status: 'connected' })] },
    });
    hub.publish(result('a', 'nas', 'df', { used: 1 }), result('a', 'web', 'uptime', { s: 5 }));
    hub.publish({ kind: 'audit', topic: 'audit/a/nas/df', site: 'a', timeMs: 1, data: {}, retain: false });

    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#']);
    const snap = await sub.waitFor((m) => m.t === 'snapshot');
    if (snap.t !== 'snapshot') throw new Error('unreachable');
    expect(snap.hubEpoch).toBe(hub.state.hubEpoch);
    expect(snap.seq).toBe(5);
    // Latest per topic only; the loaded df (seq 1) was replaced by seq 3.
    expect(snap.entries.map((e) => [e.topic, e.seq, e.topicSeq, e.data])).toEqual([
      ['site/a/host/nas/df', 3, 2, { used: 1 }],
      ['site/a/host/web/uptime', 4, 1, { s: 5 }],
    ]);

    hub.publish(result('a', 'nas', 'df', { used: 2 }));
    hub.publish(agent('a', 'agent-1', { status: 'stale' }), result('a', 'web', 'uptime', { s: 6 }));
    hub.publish(result('a', 'nas', 'df', { used: 3 }));
    const live = await sub.waitForLiveEvents(3);
    expect(live.map((e) => [e.topic, e.seq, e.topicSeq])).toEqual([
      ['site/a/host/nas/df', 6, 3],
      ['site/a/host/web/uptime', 8, 2],
      ['site/a/host/nas/df', 9, 4],
    ]);
    expect(live[0]).toMatchObject({ kind: 'result', timeMs: 1_700_000_000_000, data: { used: 2 } });
    // The snapshot came before every live event.
    expect(sub.received.findIndex((m) => m.t === 'snapshot')).toBeLessThan(sub.received.findIndex((m) => m.t === 'events'));
  });

  it('sends a snapshot only for the newly added patterns, and replace drops the old ones', async () => {
    hub = await startTestHub();
    hub.publish(result('a', 'nas', 'df', 1), agent('a', 'agent-1', { status: 'connected' }));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#']);
    await sub.waitFor((m) => m.t === 'snapshot');
    sub.subscribe(['site/#', 'agents']);
    await sub.waitFor((m) => m.t === 'snapshot' && m.entries.some((e) => e.topic.startsWith('agents/')));
    const snaps = sub.received.filter((m) => m.t === 'snapshot');
    expect(snaps[1]?.t === 'snapshot' && snaps[1].entries.map((e) => e.topic)).toEqual(['agents/a/agent-1']);

    sub.send({ t: 'subscribe', topics: ['agents'], replace: true });
    await sub.waitFor((m) => m.t === 'snapshot' && m.entries.length === 0);
    hub.publish(result('a', 'nas', 'df', 2), agent('a', 'agent-1', { status: 'stale' }));
    const live = await sub.waitForLiveEvents(1);
    expect(live.map((e) => e.topic)).toEqual(['agents/a/agent-1']);
  });

  it('unsubscribe stops the events of that pattern', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#', 'agents']);
    await sub.waitFor((m) => m.t === 'snapshot');
    sub.send({ t: 'unsubscribe', topics: ['site/#'] });
    // A round trip so the unsubscribe is processed: an empty snapshot for a pattern already held.
    sub.subscribe(['agents']);
    await sub.waitFor((m) => m.t === 'snapshot' && sub.received.filter((x) => x.t === 'snapshot').length === 2);
    hub.publish(result('a', 'nas', 'df', 1), agent('a', 'x', {}));
    const live = await sub.waitForLiveEvents(1);
    expect(live.map((e) => e.topic)).toEqual(['agents/a/x']);
  });
});
