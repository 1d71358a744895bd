import { afterEach, describe, expect, it } from 'vitest';
import type { CollectRelayAnswer } from '../../src/ports.js';
import { fakeRelay, startTestHub, TestSubscriber, type TestHub } from './subscriber-test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const okAnswer = (site: string, host: string, command: string): CollectRelayAnswer => ({
  ok: true,
  result: {
    site,
    host,
    command,
    params: {},
    paramsHash: 'h',
    status: 'success',
    cacheHit: false,
    data: { usedPercent: 42 },
    collectedAtMs: 1,
    durationMs: 12,
    bytes: 100,
    correlationId: 'c',
  },
});

const collect = (requestId: string, site = 'a') => ({
  t: 'collect',
  requestId,
  site,
  host: 'nas',
  command: 'df',
  params: { path: '/' },
  forceRefresh: true,
  timeoutMs: 5000,
});

describe('collect', () => {
  it('a viewer is refused with FORBIDDEN at once and nothing is relayed', async () => {
    const relay = fakeRelay((r) => okAnswer(r.site, r.host, r.command));
    hub = await startTestHub({ relay });
    const sub = await TestSubscriber.ready(hub.url, 'all-viewer');
    sub.send(collect('r-1'));
    const reply = await sub.waitFor((m) => m.t === 'collect_result');
    expect(reply).toMatchObject({ t: 'collect_result', requestId: 'r-1', ok: false, error: { code: 'FORBIDDEN' } });
    expect(relay.calls).toEqual([]);
    expect(hub.gateway.stats()).toMatchObject({ events: { collect_forbidden: 1 } });
  });

  it('an operator outside the site scope is refused with FORBIDDEN', async () => {
    const relay = fakeRelay((r) => okAnswer(r.site, r.host, r.command));
    hub = await startTestHub({ relay });
    const sub = await TestSubscriber.ready(hub.url, 'a-operator');
    sub.send(collect('r-2', 'b'));
    await expect(sub.waitFor((m) => m.t === 'collect_result')).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(relay.calls).toEqual([]);
  });

  it('an operator request goes to the relay and its answer comes back under the same requestId', async () => {
    const relay = fakeRelay((r) => (r.host === 'nas' ? okAnswer(r.site, r.host, r.command) : { ok: false, error: { code: 'AGENT_OFFLINE', message: 'no agent of site a' } }));
    hub = await startTestHub({ relay, gateway: { newCorrelationId: () => 'corr-1' } });
    const sub = await TestSubscriber.ready(hub.url, 'a-operator');
    sub.send(collect('r-3'));
    sub.send({ ...collect('r-4'), host: 'offline' });
    const ok = await sub.waitFor((m) => m.t === 'collect_result' && m.requestId === 'r-3');
    const failed = await sub.waitFor((m) => m.t === 'collect_result' && m.requestId === 'r-4');
    expect(ok).toMatchObject({ ok: true, result: { site: 'a', host: 'nas', command: 'df', data: { usedPercent: 42 } } });
    expect(failed).toMatchObject({ ok: false, error: { code: 'AGENT_OFFLINE', message: 'no agent of site a' } });
    expect(relay.calls[0]).toEqual({
      requestId: 'r-3',
      site: 'a',
      host: 'nas',
      command: 'df',
      params: { path: '/' },
      forceRefresh: true,
      timeoutMs: 5000,
      principal: { name: 'a-operator', role: 'operator', sites: ['a'] },
      correlationId: 'corr-1',
    });
    expect(hub.gateway.stats()).toMatchObject({ events: { collect_relayed: 2, collect_ok: 1, collect_failed: 1 } });
  });

  it('a relay that rejects anyway is answered with a coded error', async () => {
    hub = await startTestHub({ relay: { collect: () => Promise.reject(new Error('boom')) } });
    const sub = await TestSubscriber.ready(hub.url, 'all-operator');
    sub.send(collect('r-5'));
    await expect(sub.waitFor((m) => m.t === 'collect_result')).resolves.toMatchObject({ requestId: 'r-5', ok: false, error: { code: 'INTERNAL' } });
  });

  it('more requests in flight than allowed are refused with TOO_MANY_REQUESTS', async () => {
    let release: (() => void) | undefined;
    const relay = {
      calls: 0,
      collect(r: { site: string; host: string; command: string }) {
        relay.calls++;
        return new Promise<CollectRelayAnswer>((resolve) => {
          release = () => resolve(okAnswer(r.site, r.host, r.command));
        });
      },
    };
    hub = await startTestHub({ relay, gateway: { maxInflightCollects: 1 } });
    const sub = await TestSubscriber.ready(hub.url, 'all-operator');
    sub.send(collect('slow-1'));
    sub.send(collect('slow-2'));
    await expect(sub.waitFor((m) => m.t === 'collect_result')).resolves.toMatchObject({ requestId: 'slow-2', ok: false, error: { code: 'TOO_MANY_REQUESTS' } });
    release?.();
    await expect(sub.waitFor((m) => m.t === 'collect_result' && m.requestId === 'slow-1')).resolves.toMatchObject({ ok: true });
    expect(relay.calls).toBe(1);
  });
});
