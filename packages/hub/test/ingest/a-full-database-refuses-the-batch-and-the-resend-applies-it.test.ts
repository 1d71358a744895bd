// When the hub's database cannot be written (full, through max_page_count,
// as a full disk reports it), the batch is not applied and not acked: the
// agent gets an `error STORE_WRITE_FAILED` frame naming the file and the
// reason, the connection closes with 1011, the hub keeps serving, and the
// same batch sent again once there is room is applied exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../support/fake-agent.js';
import { audit, EPOCH_A, rec, result } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';
import { formatStatus } from '../../src/cli/status.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

describe('a hub database that cannot grow', () => {
  it('refuses the batch with STORE_WRITE_FAILED (1011) and applies it once when it is sent again', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const db = t.hub.db;
    const batch = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? rec(i + 1, 'result', result({ collectedAtMs: i + 1, data: { blob: 'x'.repeat(4000) } })) : rec(i + 1, 'audit', audit({ timeMs: i + 1 })),
    );

    const first = await FakeAgent.connect(t.url, TOKENS.a1);
    await first.hello();
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    first.send({ t: 'records', epoch: EPOCH_A, afterSeq: 0, records: batch });
    const error = await first.next('error');
    expect(error.code).toBe('STORE_WRITE_FAILED');
    expect(error.message).toContain('is full');
    expect(error.message).toContain(t.config.storage.path);
    expect(await first.closed).toMatchObject({ code: 1011 });
    expect(first.frames.some((f) => f.t === 'ack')).toBe(false);
    expect(t.hub.store.agents.highWater('a1', EPOCH_A)).toBe(0);
    expect(t.log.lines().find((l) => l['event'] === 'agent_store_write_failed')).toMatchObject({ code: 'STORE_WRITE_FAILED' });
    // `infra-hub status` lists it with the counters that signal trouble.
    expect(formatStatus({ nowMs: Date.now(), agents: [], counters: t.hub.status().counters })).toContain('agent_store_write_failed 1');

    // Room again: the agent reconnects and sends the same batch.
    db.pragma('max_page_count = 1073741823');
    const again = await FakeAgent.connect(t.url, TOKENS.a1);
    expect((await again.hello()).ackedSeq).toBe(0);
    expect(await again.batch(0, batch)).toMatchObject({ t: 'ack', seq: 200 });
    expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(100);
  });
});
