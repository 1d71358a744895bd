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

async function get(url: string, token?: string): Promise<{ status: number; body: unknown; authenticate?: string | null }> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as unknown, ...(res.status === 401 ? { authenticate: res.headers.get('www-authenticate') } : {}) };
}

describe('HTTP endpoints', () => {
  it('GET /healthz answers 200 {ok: true}; unknown paths 404', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const base = `http://127.0.0.1:${t.hub.port}`;
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect(await get(`${base}/nope`)).toEqual({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('GET /status lists agents with epoch, high water, backlog, replay lag and stale jobs, the counters and the subscriber stats', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make()), { clock: () => 10_000 }));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    await agent.batch(0, results(1, 3));
    await agent.batch(1, results(2, 2)); // 2 and 3 again: duplicates
    agent.send({ t: 'status', outboxRecords: 4, outboxBytes: 400, oldestAgeMs: 100, lastSeq: 7 });
    await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as { agentLastSeq: number | null }).agentLastSeq === 7);
    agent.sendRaw('not a frame', false);
    await agent.closed;
    await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as { connected: boolean }).connected === false);

    const { status, body } = await get(`http://127.0.0.1:${t.hub.port}/status`, TOKENS.viewer);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      agents: [
        {
          agentId: 'a1',
          site: 'alpha',
          connected: false,
          epoch: EPOCH_A,
          hwm: 3,
          outboxRecords: 4,
          outboxBytes: 400,
          agentLastSeq: 7,
          replayLag: 4,
          stale: [],
          agentStale: false,
        },
      ],
      agentConnections: 0,
      counters: {
        records_applied: 3,
        duplicates_dropped: 2,
        agent_closes_by_code: { FRAME_INVALID: 1 },
      },
      subscribers: { connections: 0, placeholder: true },
      relay: { pending: 0 },
    });
    expect(JSON.stringify(body)).not.toContain(TOKENS.a1);
  });

  it('GET /status needs a subscriber token (401 AUTH_FAILED without, counted) and lists only the agents of its sites', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    for (const [token, site] of [
      [TOKENS.a1, 'alpha'],
      [TOKENS.b1, 'beta'],
    ] as const) {
      const agent = await FakeAgent.connect(t.url, token);
      await agent.hello({ agentId: token === TOKENS.a1 ? 'a1' : 'b1', site });
    }
    const url = `http://127.0.0.1:${t.hub.port}/status`;
    expect(await get(url)).toEqual({ status: 401, body: { code: 'AUTH_FAILED' }, authenticate: 'Bearer' });
    expect(await get(url, 'not-a-token-0123456789')).toMatchObject({ status: 401 });
    // An agent token is not a subscriber token.
    expect(await get(url, TOKENS.a1)).toMatchObject({ status: 401 });
    expect(t.hub.counters.get('auth_failed')).toBe(3);

    const agentsSeenBy = async (token: string): Promise<string[]> => {
      const r = await get(url, token);
      expect(r.status).toBe(200);
      return (r.body as { agents: { agentId: string }[] }).agents.map((a) => a.agentId).sort();
    };
    expect(await agentsSeenBy(TOKENS.viewer)).toEqual(['a1', 'b1']);
    expect(await agentsSeenBy(TOKENS.alphaOperator)).toEqual(['a1']);
    // /healthz stays open for probes.
    expect(await get(`http://127.0.0.1:${t.hub.port}/healthz`)).toEqual({ status: 200, body: { ok: true } });
  });
});
