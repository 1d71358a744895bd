import { afterEach, describe, expect, it } from 'vitest';
import type { HubCollectRequest } from '@infrastructor/shared';
import type { CollectRelayRequest, SubscriberPrincipal } from '../../src/ports.js';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_B } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

const OPS: SubscriberPrincipal = { name: 'ops', role: 'operator', sites: ['*'] };

function request(over: Partial<CollectRelayRequest> = {}): CollectRelayRequest {
  return {
    requestId: 'req-1',
    site: 'alpha',
    host: 'nas',
    command: 'system_info',
    params: {},
    forceRefresh: false,
    timeoutMs: 30_000,
    principal: OPS,
    correlationId: 'corr-relay-1',
    ...over,
  };
}

function answerFor(req: HubCollectRequest): object {
  return {
    t: 'collect_result',
    requestId: req.requestId,
    ok: true,
    result: {
      host: req.host,
      command: req.command,
      params: req.params,
      paramsHash: 'p0',
      status: 'success',
      cacheHit: false,
      data: { fresh: true },
      collectedAtMs: 5_000,
      durationMs: 7,
      bytes: 12,
      correlationId: req.correlationId,
    },
  };
}

async function hubWithAgent(limits = {}) {
  const t = running.track(await startTestHub(testConfig(dirs.make(), limits)));
  const agent = await FakeAgent.connect(t.url, TOKENS.a1);
  await agent.hello();
  return { t, agent };
}

describe('the collect relay', () => {
  it('refuses viewers and sites outside the scope with FORBIDDEN, sending nothing to the agent', async () => {
    const { t, agent } = await hubWithAgent();
    agent.onCollect = answerFor;
    expect(await t.hub.relay.collect(request({ principal: { name: 'watcher', role: 'viewer', sites: ['*'] } }))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await t.hub.relay.collect(request({ site: 'alpha', principal: { name: 'beta-ops', role: 'operator', sites: ['beta'] } }))).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(agent.collects).toHaveLength(0);
    expect(t.hub.counters.get('collect_forbidden')).toBe(2);
  });

  it('refuses AGENT_OFFLINE, HOST_UNKNOWN and COMMAND_UNKNOWN per the connected agents and their hello.jobs', async () => {
    const { t, agent } = await hubWithAgent();
    agent.onCollect = answerFor;
    expect(await t.hub.relay.collect(request({ site: 'beta' }))).toMatchObject({ ok: false, error: { code: 'AGENT_OFFLINE' } });
    expect(await t.hub.relay.collect(request({ host: 'router' }))).toMatchObject({ ok: false, error: { code: 'HOST_UNKNOWN' } });
    expect(await t.hub.relay.collect(request({ command: 'zfs_pools' }))).toMatchObject({ ok: false, error: { code: 'COMMAND_UNKNOWN' } });
    expect(agent.collects).toHaveLength(0);
  });

  it('relays to the agent with a correlation id and answers with the result and its site', async () => {
    const { t, agent } = await hubWithAgent();
    agent.onCollect = answerFor;
    const answer = await t.hub.relay.collect(request({ params: { path: '/srv' }, forceRefresh: true }));
    expect(answer).toEqual({
      ok: true,
      result: expect.objectContaining({ site: 'alpha', host: 'nas', command: 'system_info', data: { fresh: true }, correlationId: 'corr-relay-1' }),
    });
    expect(agent.collects).toEqual([expect.objectContaining({ host: 'nas', command: 'system_info', params: { path: '/srv' }, forceRefresh: true, correlationId: 'corr-relay-1' })]);
  });

  it("passes the agent's own refusal through (e.g. PARAM_INVALID)", async () => {
    const { t, agent } = await hubWithAgent();
    agent.onCollect = (req) => ({ t: 'collect_result', requestId: req.requestId, ok: false, error: { code: 'PARAM_INVALID', message: 'bad path' } });
    expect(await t.hub.relay.collect(request())).toEqual({ ok: false, error: { code: 'PARAM_INVALID', message: 'bad path' } });
  });

  it('answers REQUEST_TIMEOUT when the agent stays silent; a late answer is ignored', async () => {
    const { t, agent } = await hubWithAgent();
    const answer = await t.hub.relay.collect(request({ timeoutMs: 30 }));
    expect(answer).toMatchObject({ ok: false, error: { code: 'REQUEST_TIMEOUT' } });
    agent.send(answerFor(agent.collects[0]!));
    agent.send({ t: 'status', outboxRecords: 0, outboxBytes: 0, oldestAgeMs: null, lastSeq: 0 });
    await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as { outboxRecords: number | null }).outboxRecords === 0);
    expect(t.hub.counters.get('collect_result_unmatched')).toBe(1);
    expect(agent.ws.readyState).toBe(agent.ws.OPEN);
  });

  it('the same (principal, requestId) runs once: concurrent and later repeats get the first answer', async () => {
    const { t, agent } = await hubWithAgent();
    let release: (() => void) | undefined;
    const held = new Promise<void>((r) => (release = r));
    agent.onCollect = (req) => {
      void held.then(() => agent.send(answerFor(req)));
      return undefined;
    };
    const first = t.hub.relay.collect(request());
    const joined = t.hub.relay.collect(request());
    release?.();
    const [a, b] = await Promise.all([first, joined]);
    const later = await t.hub.relay.collect(request());
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual(a);
    expect(later).toEqual(a);
    expect(agent.collects).toHaveLength(1);
    expect(t.hub.counters.get('collect_deduplicated')).toBe(2);
    // another principal with the same request id is a different request
    expect(await t.hub.relay.collect(request({ principal: { name: 'alpha-ops', role: 'operator', sites: ['alpha'] } }))).toMatchObject({ ok: true });
    expect(agent.collects).toHaveLength(2);
    // the same id for a different request is refused, not answered with the other result
    expect(await t.hub.relay.collect(request({ host: 'nas', command: 'disk_usage' }))).toMatchObject({ ok: false, error: { code: 'REQUEST_INVALID' } });
    expect(agent.collects).toHaveLength(2);
  });

  it('fails pending requests with AGENT_OFFLINE when the agent disconnects', async () => {
    const { t, agent } = await hubWithAgent();
    const pending = t.hub.relay.collect(request());
    await agent.next('collect');
    await agent.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'AGENT_OFFLINE' } });
  });

  it('refuses AGENT_BUSY beyond maxPendingRequestsPerAgent', async () => {
    const { t } = await hubWithAgent({ maxPendingRequestsPerAgent: 1 });
    void t.hub.relay.collect(request({ requestId: 'one' }));
    expect(await t.hub.relay.collect(request({ requestId: 'two' }))).toMatchObject({ ok: false, error: { code: 'AGENT_BUSY' } });
  });

  it('picks the agent of the site that has the host', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const a1 = await FakeAgent.connect(t.url, TOKENS.a1);
    await a1.hello();
    const a2 = await FakeAgent.connect(t.url, TOKENS.a2);
    await a2.hello({ agentId: 'a2', epoch: EPOCH_B, jobs: [{ host: 'router', command: 'system_info', schedule: '* * * * *', intervalMs: 60_000 }] });
    a1.onCollect = answerFor;
    a2.onCollect = answerFor;
    expect(await t.hub.relay.collect(request({ host: 'router' }))).toMatchObject({ ok: true, result: { host: 'router' } });
    expect([a1.collects.length, a2.collects.length]).toEqual([0, 1]);
  });
});
