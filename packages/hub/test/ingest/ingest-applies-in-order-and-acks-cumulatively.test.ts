import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, decode } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { audit, change, EPOCH_A, gap, rec, result, results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

async function connected() {
  const t = running.track(await startTestHub(testConfig(dirs.make())));
  const agent = await FakeAgent.connect(t.url, TOKENS.a1);
  await agent.hello();
  return { t, agent };
}

const count = (t: Awaited<ReturnType<typeof startTestHub>>, table: string): unknown => t.hub.db.prepare(`SELECT count(*) AS n FROM ${table}`).get();

describe('ingest of a records batch', () => {
  it('applies every kind in seq order, commits, acks cumulatively, then publishes in order', async () => {
    const { t, agent } = await connected();
    const ack = await agent.batch(0, [
      rec(1, 'result', result({ collectedAtMs: 500 })),
      rec(2, 'audit', audit()),
      rec(3, 'change', change()),
      rec(4, 'gap', gap({ fromSeq: 10, toSeq: 12 })),
    ]);
    expect(ack).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 4 });
    expect(t.hub.store.agents.highWater('a1', EPOCH_A)).toBe(4);

    const latest = t.hub.db.prepare("SELECT topic, site, kind, time_ms, data FROM latest WHERE kind = 'result'").all() as { data: Buffer }[];
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ topic: 'site/alpha/host/nas/system_info', site: 'alpha', time_ms: 500 });
    expect(decode(latest[0]!.data)).toMatchObject({ agentId: 'a1', host: 'nas', command: 'system_info', data: { uptimeSeconds: 42 } });
    expect(t.hub.db.prepare('SELECT agent_id, site, epoch, seq, host, status FROM audit').all()).toEqual([
      { agent_id: 'a1', site: 'alpha', epoch: EPOCH_A, seq: 2, host: 'nas', status: 'success' },
    ]);
    expect(t.hub.db.prepare('SELECT seq, path, change FROM changes').all()).toEqual([{ seq: 3, path: '/etc/nginx/nginx.conf', change: 'modified' }]);
    expect(t.hub.db.prepare('SELECT source, reason, seq, from_seq, to_seq, dropped_results FROM gaps').all()).toEqual([
      { source: 'agent', reason: 'agent_dropped', seq: 4, from_seq: 10, to_seq: 12, dropped_results: 3 },
    ]);

    await t.publisher.waitFor((e) => e.kind === 'gap');
    const published = t.publisher.events.filter((e) => e.kind !== 'agent');
    expect(published.map((e) => [e.kind, e.topic, e.retain])).toEqual([
      ['result', 'site/alpha/host/nas/system_info', true],
      ['audit', 'audit/alpha/nas/system_info', false],
      ['change', 'changes/alpha/nas/nginx_config', false],
      ['gap', 'agents/alpha/a1', false],
    ]);
    expect(t.hub.counters.get('records_applied')).toBe(4);

    // the next batch continues; the ack is cumulative
    expect(await agent.batch(4, results(5, 3))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 7 });
  });

  it('drops and counts duplicates (seq ≤ high water), applying only what is new', async () => {
    const { t, agent } = await connected();
    await agent.batch(0, results(1, 3));
    // the agent resends 2..5 (e.g. an ack was lost): 2 and 3 are duplicates
    expect(await agent.batch(1, results(2, 4))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 5 });
    expect(t.hub.counters.get('duplicates_dropped')).toBe(2);
    expect(t.hub.counters.get('records_applied')).toBe(5);
    // all duplicates: acked again with the same high water
    expect(await agent.batch(0, results(1, 5))).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 5 });
    expect(t.publisher.ofKind('result')).toHaveLength(5);
  });

  it('a result older than the stored one is committed but does not replace it', async () => {
    const { t, agent } = await connected();
    await agent.batch(0, [rec(1, 'result', result({ collectedAtMs: 2_000, data: 'new' })), rec(2, 'result', result({ collectedAtMs: 1_000, data: 'old' }))]);
    const row = t.hub.db.prepare('SELECT time_ms, data FROM latest WHERE topic = ?').get('site/alpha/host/nas/system_info') as { time_ms: number; data: Buffer };
    expect(row.time_ms).toBe(2_000);
    expect(decode(row.data)).toMatchObject({ data: 'new' });
    expect(t.publisher.ofKind('result')).toHaveLength(1);
    expect(t.hub.counters.get('results_superseded')).toBe(1);
  });

  it('requires strictly increasing seqs after afterSeq: otherwise FRAME_INVALID and nothing of the batch is applied', async () => {
    const { t, agent } = await connected();
    agent.records(0, [...results(1, 2), ...results(2, 1)]);
    expect(await agent.next('error')).toMatchObject({ code: 'FRAME_INVALID' });
    expect((await agent.closed).code).toBe(CLOSE_CODES.FRAME_INVALID);
    expect(count(t, 'latest')).toEqual({ n: 1 }); // only the agent status row
    expect(t.hub.store.agents.highWater('a1', EPOCH_A)).toBe(0);

    const again = await FakeAgent.connect(t.url, TOKENS.a1);
    await again.hello();
    again.records(5, results(3, 1));
    expect((await again.closed).code).toBe(CLOSE_CODES.FRAME_INVALID);
  });

  it('an invalid record is skipped, recorded as a gap row and reported; the stream moves on', async () => {
    const { t, agent } = await connected();
    const ack = await agent.batch(0, [
      rec(1, 'result', result()),
      { seq: 2, kind: 'audit', createdAtMs: 1, payload: Buffer.from([0xc1]) },
      rec(3, 'change', { ...change(), change: 'exploded' }),
      rec(4, 'result', result({ host: 'bad/host' })),
      rec(5, 'audit', audit()),
    ]);
    expect(ack).toEqual({ t: 'ack', epoch: EPOCH_A, seq: 5 });
    const gaps = t.hub.db.prepare('SELECT source, reason, seq, from_seq, to_seq FROM gaps ORDER BY seq').all();
    expect(gaps).toEqual([2, 3, 4].map((s) => ({ source: 'hub', reason: 'record_invalid', seq: s, from_seq: s, to_seq: s })));
    expect(count(t, 'audit')).toEqual({ n: 1 });
    expect(count(t, 'changes')).toEqual({ n: 0 });
    expect(t.hub.counters.get('record_invalid')).toBe(3);
    expect(t.publisher.ofKind('gap').map((e) => (e.data as { reason: string }).reason)).toEqual(['record_invalid', 'record_invalid', 'record_invalid']);
    expect(t.log.events().filter((e) => e === 'record_invalid')).toHaveLength(3);
  });

  it('refuses records of another epoch than the hello with EPOCH_INVALID', async () => {
    const { agent } = await connected();
    agent.send({ t: 'records', epoch: 'ffffffff', afterSeq: 0, records: [rec(1, 'result', result())] });
    expect(await agent.next('error')).toMatchObject({ code: 'EPOCH_INVALID' });
    expect((await agent.closed).code).toBe(CLOSE_CODES.EPOCH_INVALID);
  });

  it('status frames update the agent row and publish its status with the replay lag', async () => {
    const { t, agent } = await connected();
    await agent.batch(0, results(1, 2));
    agent.send({ t: 'status', outboxRecords: 10, outboxBytes: 2048, oldestAgeMs: 5000, lastSeq: 12 });
    const event = await t.publisher.waitFor((e) => e.kind === 'agent' && (e.data as { outboxRecords: number | null }).outboxRecords === 10);
    expect(event.data).toMatchObject({ agentId: 'a1', connected: true, hwm: 2, agentLastSeq: 12, replayLag: 10, outboxBytes: 2048, oldestAgeMs: 5000 });
    expect(t.hub.store.agents.get('a1')?.lastStatus).toEqual({ outboxRecords: 10, outboxBytes: 2048, oldestAgeMs: 5000, lastSeq: 12 });
  });
});
