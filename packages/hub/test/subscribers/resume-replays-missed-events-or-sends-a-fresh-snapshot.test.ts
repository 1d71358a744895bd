import { afterEach, describe, expect, it } from 'vitest';
import { agent, result, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('resume', () => {
  it('replays exactly the missed matching events after a reconnect: no gap, no duplicate, no snapshot', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', 0));
    const first = await TestSubscriber.ready(hub.url, 'all-viewer');
    first.subscribe(['site/*/host/*/df']);
    const snap = await first.waitFor((m) => m.t === 'snapshot');
    hub.publish(result('a', 'nas', 'df', 1), agent('a', 'x', {}), result('b', 'web', 'df', 2));
    const seen = await first.waitForLiveEvents(2);
    const lastSeq = seen[seen.length - 1]?.seq ?? 0;
    first.close();
    await first.closed;

    // While disconnected: more events, some matching.
    hub.publish(result('a', 'nas', 'df', 3), agent('a', 'x', {}), result('a', 'nas', 'uptime', 9));
    hub.publish(result('b', 'web', 'df', 4));

    const second = await TestSubscriber.ready(hub.url, 'all-viewer');
    second.subscribe(['site/*/host/*/df'], { resume: { hubEpoch: snap.t === 'snapshot' ? snap.hubEpoch : '', afterSeq: lastSeq } });
    const replay = await second.waitForLiveEvents(2);
    expect(replay.map((e) => e.data)).toEqual([3, 4]);
    expect(replay[0]?.seq).toBeGreaterThan(lastSeq);

    // Then live, continuing the same seq line.
    hub.publish(result('a', 'nas', 'df', 5));
    const all = await second.waitForLiveEvents(3);
    expect(all.map((e) => e.data)).toEqual([3, 4, 5]);
    expect(second.received.some((m) => m.t === 'snapshot')).toBe(false);
    const seqs = all.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(hub.gateway.stats()).toMatchObject({ events: { resume_replayed: 1 } });
  });

  it('sends a fresh snapshot when afterSeq has left the ring buffer', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0, resumeBufferEvents: 3 } });
    for (let i = 1; i <= 10; i++) hub.publish(result('a', 'nas', 'df', i));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#'], { resume: { hubEpoch: hub.state.hubEpoch, afterSeq: 2 } });
    const snap = await sub.waitFor((m) => m.t === 'snapshot');
    expect(snap).toMatchObject({ t: 'snapshot', seq: 10 });
    expect(snap.t === 'snapshot' && snap.entries.map((e) => e.data)).toEqual([10]);
    expect(sub.liveEvents()).toEqual([]);
    expect(hub.gateway.stats()).toMatchObject({ events: { resume_snapshot: 1 } });
  });

  it('an afterSeq still in the buffer replays even at its edge', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0, resumeBufferEvents: 3 } });
    for (let i = 1; i <= 10; i++) hub.publish(result('a', 'nas', 'df', i));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#'], { resume: { hubEpoch: hub.state.hubEpoch, afterSeq: 7 } });
    const replay = await sub.waitForLiveEvents(3);
    expect(replay.map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('sends a fresh snapshot for another hub epoch (the hub restarted)', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', 1), result('a', 'nas', 'df', 2));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#'], { resume: { hubEpoch: '0123456789abcdef', afterSeq: 1 } });
    const snap = await sub.waitFor((m) => m.t === 'snapshot');
    expect(snap).toMatchObject({ hubEpoch: hub.state.hubEpoch, seq: 2 });
    expect(snap.t === 'snapshot' && snap.entries.map((e) => e.data)).toEqual([2]);
  });

  it('sends a fresh snapshot for an afterSeq ahead of the hub', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', 1));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['site/#'], { resume: { hubEpoch: hub.state.hubEpoch, afterSeq: 99 } });
    await expect(sub.waitFor((m) => m.t === 'snapshot')).resolves.toMatchObject({ seq: 1 });
  });
});
