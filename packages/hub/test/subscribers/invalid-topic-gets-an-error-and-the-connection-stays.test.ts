import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { result, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('invalid topics', () => {
  it('refuses each bad pattern with a TOPIC_INVALID error naming it, keeps the good ones and the connection', async () => {
    hub = await startTestHub({ fanout: { coalesceMs: 0 } });
    hub.publish(result('a', 'nas', 'df', 1));
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.subscribe(['weather/today', 'site/a/host/nas/df', 'site/#/x', 'site/a/vm/x/y']);
    const snap = await sub.waitFor((m) => m.t === 'snapshot');
    const errors = sub.received.filter((m) => m.t === 'error');
    expect(errors).toHaveLength(3);
    for (const [i, topic] of ['weather/today', 'site/#/x', 'site/a/vm/x/y'].entries()) {
      expect(errors[i]).toMatchObject({ t: 'error', code: 'TOPIC_INVALID' });
      expect(errors[i]?.t === 'error' && errors[i].message).toContain(JSON.stringify(topic));
    }
    expect(snap.t === 'snapshot' && snap.entries.map((e) => e.topic)).toEqual(['site/a/host/nas/df']);

    hub.publish(result('a', 'nas', 'df', 2));
    await sub.waitForLiveEvents(1);
    expect(sub.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.gateway.stats()).toMatchObject({ subscribers: 1, events: { topic_invalid: 3 } });
    expect(hub.logs().filter((l) => l['event'] === 'subscriber_topic_invalid')).toHaveLength(3);
  });
});
