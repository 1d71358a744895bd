import { afterEach, describe, expect, it } from 'vitest';
import { agentIsStale, staleJobs } from '../../src/status/staleness.js';
import type { AgentStatusData } from '../../src/status/agent-status-board.js';
import { FakeAgent } from '../support/fake-agent.js';
import { rec, result } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

const MIN = 60_000;
const JOB = { host: 'nas', command: 'system_info', schedule: '*/5 * * * *', intervalMs: 5 * MIN };

describe('staleness rules', () => {
  it('a job is stale after 2 × interval + grace without a result (counted from its announcement before the first one)', () => {
    const base = { jobs: [JOB, { ...JOB, command: 'adhoc', intervalMs: 0 }], announcedAtMs: 0, graceMs: MIN };
    expect(staleJobs({ ...base, lastCollectedAtMs: () => 1_000, nowMs: 1_000 + 11 * MIN })).toEqual([]);
    expect(staleJobs({ ...base, lastCollectedAtMs: () => 1_000, nowMs: 1_000 + 11 * MIN + 1 })).toEqual([
      { host: 'nas', command: 'system_info', intervalMs: 5 * MIN, lastCollectedAtMs: 1_000 },
    ]);
    expect(staleJobs({ ...base, lastCollectedAtMs: () => null, nowMs: 11 * MIN + 1 })).toHaveLength(1);
  });

  it('an agent is stale when disconnected for longer than its shortest job threshold', () => {
    expect(agentIsStale({ connected: true, lastSeenMs: 0, jobs: [JOB], nowMs: 10 ** 9, graceMs: MIN })).toBe(false);
    expect(agentIsStale({ connected: false, lastSeenMs: 0, jobs: [JOB], nowMs: 11 * MIN, graceMs: MIN })).toBe(false);
    expect(agentIsStale({ connected: false, lastSeenMs: 0, jobs: [JOB], nowMs: 11 * MIN + 1, graceMs: MIN })).toBe(true);
    expect(agentIsStale({ connected: false, lastSeenMs: 0, jobs: [], nowMs: MIN + 1, graceMs: MIN })).toBe(true);
  });
});

describe('the stale re-evaluation', () => {
  it('publishes an agent event only when the stale set changes', async () => {
    let now = 100 * MIN;
    // the periodic re-evaluation stays out of the way; the test drives it
    const t = running.track(await startTestHub(testConfig(dirs.make(), { staleCheckIntervalMs: 3_600_000 }), { clock: () => now }));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello({ jobs: [JOB] });
    await agent.batch(0, [rec(1, 'result', result({ collectedAtMs: now }))]);
    const agentEvents = (): AgentStatusData[] => t.publisher.ofKind('agent').map((e) => e.data as AgentStatusData);
    const before = agentEvents().length;

    expect(t.hub.board.reevaluate()).toBe(0);
    now += 11 * MIN + 1;
    expect(t.hub.board.reevaluate()).toBe(1);
    expect(agentEvents().at(-1)?.stale).toEqual([{ host: 'nas', command: 'system_info', intervalMs: 5 * MIN, lastCollectedAtMs: 100 * MIN }]);
    expect(t.hub.board.reevaluate()).toBe(0);

    await agent.batch(1, [rec(2, 'result', result({ collectedAtMs: now }))]);
    expect(t.hub.board.reevaluate()).toBe(1);
    expect(agentEvents().at(-1)?.stale).toEqual([]);

    await agent.close();
    await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as AgentStatusData).connected === false);
    expect(agentEvents().at(-1)?.agentStale).toBe(false);
    now += 11 * MIN + 1;
    expect(t.hub.board.reevaluate()).toBe(1);
    expect(agentEvents().at(-1)).toMatchObject({ connected: false, agentStale: true });
    expect(agentEvents().length).toBe(before + 4);
  });
});
