import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@infrastructor/shared';
import { result, startTestHub, TestSubscriber } from '../subscribers/subscriber-test-hub.js';

const MAX_BUFFERED_BYTES = 1024 * 1024;
const PAYLOAD = 'x'.repeat(8 * 1024);

function rawSocket(sub: TestSubscriber): Socket {
  return (sub.ws as unknown as { _socket: Socket })._socket;
}

describe('slow consumers', () => {
  it('drops a subscriber that stops reading with SLOW_CONSUMER while another keeps receiving everything', async () => {
    const hub = await startTestHub({ fanout: { coalesceMs: 0, maxBufferedBytes: MAX_BUFFERED_BYTES } });
    const fast = await TestSubscriber.ready(hub.url, 'all-viewer');
    const slow = await TestSubscriber.ready(hub.url, 'all-viewer');
    for (const s of [fast, slow]) s.subscribe(['site/#']);
    await Promise.all([fast.waitFor((m) => m.t === 'snapshot'), slow.waitFor((m) => m.t === 'snapshot')]);
    rawSocket(slow).pause();

    // Publish until the hub gives up on the slow one (the kernel buffers a few MB first).
    let published = 0;
    while (hub.fanout.stats()['slowConsumerDrops'] === 0) {
      if (published > 20_000) throw new Error('the slow subscriber was never dropped');
      hub.publish(result('a', 'h', 'df', { n: ++published, pad: PAYLOAD }));
      await nextTurn();
    }
    const slowServerEnd = hub.serverSockets[1];
    if (!slowServerEnd) throw new Error('no server socket');
    // Bounded: nothing more is queued for the dropped subscriber.
    const backlog = slowServerEnd.bufferedAmount;
    expect(backlog).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 64 * 1024);
    for (let i = 0; i < 50; i++) hub.publish(result('a', 'h', 'df', { n: ++published, pad: PAYLOAD }));
    expect(slowServerEnd.bufferedAmount).toBeLessThanOrEqual(backlog);

    const all = await fast.waitForLiveEvents(published);
    expect(all.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: published }, (_, i) => i + 1));

    rawSocket(slow).resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(CLOSE_CODES.SLOW_CONSUMER);
    expect(closed.reason).toContain('slow consumer');
    expect(hub.logs().some((l) => l['event'] === 'subscriber_dropped_slow')).toBe(true);
    await hub.serverClosed(1);
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 1, drops: { SLOW_CONSUMER: 1 }, fanout: { slowConsumerDrops: 1, outlets: 1 } });
    await hub.close();
  });
});
