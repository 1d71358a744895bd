import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '@infrastructor/shared';
import { encodeHubEvent } from '../../src/fanout/encoded-event.js';
import { result, startTestHub, TestSubscriber, type TestHub } from '../subscribers/subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function readySubscribers(h: TestHub, count: number, topics: string[]): Promise<TestSubscriber[]> {
  const subs = await Promise.all(Array.from({ length: count }, () => TestSubscriber.ready(h.url, 'all-viewer')));
  for (const s of subs) s.subscribe(topics);
  await Promise.all(subs.map((s) => s.waitFor((m) => m.t === 'snapshot')));
  return subs;
}

describe('fan-out', () => {
  it('encodes each event once however many subscribers receive it (50 subscribers)', async () => {
    const encoded: number[] = [];
    hub = await startTestHub({
      encodeEvent: (e: HubEvent) => {
        encoded.push(e.seq);
        return encodeHubEvent(e);
      },
    });
    const subs = await readySubscribers(hub, 50, ['#']);
    for (let i = 1; i <= 10; i++) hub.publish(result('a', `h${i}`, 'df', { i }));
    const received = await Promise.all(subs.map((s) => s.waitForLiveEvents(10)));
    for (const evs of received) expect(evs.map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, i) => ({ i: i + 1 })));
    expect(encoded).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(hub.fanout.stats()).toMatchObject({ eventsDelivered: 500 });
  });

  it('coalesces events published in one tick into fewer frames than events', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 5 } });
    const [sub] = await readySubscribers(hub, 1, ['site/#']);
    if (!sub) throw new Error('no subscriber');
    const framesBefore = sub.frames;
    for (let i = 1; i <= 200; i++) hub.publish(result('a', 'h', 'df', i));
    const evs = await sub.waitForLiveEvents(200);
    expect(evs.map((e) => e.data)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(sub.frames - framesBefore).toBeLessThan(200);
  });

  it('with coalesceMs 0 sends each publish batch at once as its own frame', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    const [sub] = await readySubscribers(hub, 1, ['site/#']);
    if (!sub) throw new Error('no subscriber');
    const framesBefore = sub.frames;
    hub.publish(result('a', 'h', 'df', 1), result('a', 'h', 'df', 2));
    hub.publish(result('a', 'h', 'df', 3));
    await sub.waitForLiveEvents(3);
    expect(sub.frames - framesBefore).toBe(2);
  });

  it('subscribers with different patterns each get only their matches from the shared bytes', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    const [df] = await readySubscribers(hub, 1, ['site/*/host/*/df']);
    const [up] = await readySubscribers(hub, 1, ['site/*/host/*/uptime']);
    hub.publish(result('a', 'h', 'df', 1), result('a', 'h', 'uptime', 2), result('a', 'h', 'df', 3));
    expect((await df?.waitForLiveEvents(2))?.map((e) => e.data)).toEqual([1, 3]);
    expect((await up?.waitForLiveEvents(1))?.map((e) => e.data)).toEqual([2]);
  });
});
