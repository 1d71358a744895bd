import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@infrastructor/shared';
import { startTestHub, TestSubscriber } from './subscriber-test-hub.js';
import { PROTOCOL_VERSION } from '@infrastructor/shared';

describe('gateway lifecycle', () => {
  it('close() closes every subscriber with HUB_SHUTTING_DOWN, is safe twice, and refuses later sockets', async () => {
    const hub = await startTestHub();
    const a = await TestSubscriber.ready(hub.url, 'all-viewer');
    const b = await TestSubscriber.connect(hub.url, 'a-viewer');
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 2, accepted: 2 });
    await Promise.all([hub.gateway.close(), hub.gateway.close()]);
    await expect(a.closed).resolves.toMatchObject({ code: CLOSE_CODES.HUB_SHUTTING_DOWN });
    expect(a.received.at(-1)).toMatchObject({ t: 'error', code: 'HUB_SHUTTING_DOWN' });
    await expect(b.closed).resolves.toMatchObject({ code: CLOSE_CODES.HUB_SHUTTING_DOWN });
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 0 });
    const late = await TestSubscriber.connect(hub.url, 'all-viewer');
    await expect(late.closed).resolves.toMatchObject({ code: CLOSE_CODES.HUB_SHUTTING_DOWN });
    await hub.close();
  });

  it('pings subscribers and terminates one that does not answer with a pong', async () => {
    const hub = await startTestHub({ gateway: { pingIntervalMs: 10 } });
    const answering = await TestSubscriber.ready(hub.url, 'all-viewer');
    const silent = await TestSubscriber.connect(hub.url, 'all-viewer', { autoPong: false });
    silent.send({ t: 'hello', protocol: PROTOCOL_VERSION, client: 'silent' });
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    await hub.serverClosed(1);
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 1, drops: { PONG_MISSED: 1 } });
    answering.subscribe(['agents']);
    await answering.waitFor((m) => m.t === 'snapshot');
    await hub.close();
  });

  it('stats() reports subscribers, patterns, frames, bytes and events delivered', async () => {
    const hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['agents', 'site/#']);
    await sub.waitFor((m) => m.t === 'snapshot');
    hub.publish({ kind: 'agent', topic: 'agents/a/x', site: 'a', timeMs: 1, data: {}, retain: true });
    await sub.waitForLiveEvents(1);
    const stats = hub.gateway.stats();
    expect(stats).toMatchObject({ subscribers: 1, topicPatterns: 2, fanout: { framesSent: 3, eventsDelivered: 1 }, state: { seq: 1, retainedTopics: 1 } });
    expect((stats['fanout'] as { bytesSent: number }).bytesSent).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    await hub.close();
  });
});
