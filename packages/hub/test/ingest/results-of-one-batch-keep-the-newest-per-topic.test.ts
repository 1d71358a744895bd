// A replay brings many results per topic in one batch: only the newest per
// topic is written to `latest`, results older than one already seen (stored
// or earlier in the batch) are superseded — not published — exactly as if
// they had come one by one, and a result's data reaches `latest` and the
// published event byte for byte as the agent encoded it.
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encode } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { EPOCH_A, rec, result } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

const TOPIC_INFO = 'site/alpha/host/nas/system_info';
const TOPIC_OTHER = 'site/alpha/host/nas/load_average';

describe('results of one batch', () => {
  it('keep the newest per topic, supersede older ones in batch order, publish the rest', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    const updates = (): number => t.hub.db.prepare('SELECT total_changes() AS n').pluck().get() as number;

    // Stored first: system_info at 300.
    expect(await agent.batch(0, [rec(1, 'result', result({ collectedAtMs: 300 }))])).toMatchObject({ seq: 1 });
    const before = updates();
    const big = { items: Array.from({ length: 50 }, (_, i) => ({ name: `n${i}`, value: i * 1.5, tags: ['a', 'b'] })) };
    const ack = await agent.batch(1, [
      rec(2, 'result', result({ collectedAtMs: 200, correlationId: 'older-than-stored' })),
      rec(3, 'result', result({ collectedAtMs: 400, correlationId: 'n400' })),
      rec(4, 'result', result({ collectedAtMs: 350, correlationId: 'older-than-400' })),
      rec(5, 'result', result({ command: 'load_average', collectedAtMs: 10, data: big, correlationId: 'other' })),
      rec(6, 'result', result({ collectedAtMs: 400, correlationId: 'same-time-as-400' })),
      rec(7, 'result', result({ collectedAtMs: 500, correlationId: 'n500' })),
    ]);
    expect(ack).toMatchObject({ seq: 7 });
    // Two topics changed: one write each (plus the high water), not one per result.
    expect(updates() - before).toBeLessThanOrEqual(3);

    await t.publisher.waitFor((e) => e.kind === 'result' && (e.data as { correlationId?: string }).correlationId === 'n500');
    const published = t.publisher.events.filter((e) => e.kind === 'result').map((e) => (e.data as { correlationId: string }).correlationId);
    expect(published).toEqual(['corr-1', 'n400', 'other', 'same-time-as-400', 'n500']);
    expect(t.hub.counters.get('results_superseded')).toBe(2);

    const latest = (topic: string): Record<string, unknown> =>
      decode(t.hub.db.prepare('SELECT data FROM latest WHERE topic = ?').pluck().get(topic) as Buffer) as Record<string, unknown>;
    expect(latest(TOPIC_INFO)).toMatchObject({ collectedAtMs: 500, correlationId: 'n500' });
    expect(latest(TOPIC_OTHER)).toMatchObject({ collectedAtMs: 10, data: big });
    // The data went through as the agent encoded it.
    const stored = t.hub.db.prepare('SELECT data FROM latest WHERE topic = ?').pluck().get(TOPIC_OTHER) as Buffer;
    expect(stored.includes(encode(big))).toBe(true);
    expect(t.hub.store.agents.highWater('a1', EPOCH_A)).toBe(7);
  });

  it('a result whose data is malformed MessagePack is refused with a record_invalid gap, and the batch goes on', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    // A result envelope whose data is a map claiming 3 entries with only one present.
    const good = Buffer.from(encode(result({ collectedAtMs: 100, data: { a: 1 } })));
    const bad = Buffer.from(good);
    const at = bad.indexOf(encode({ a: 1 }));
    bad[at] = 0x83;
    const ack = await agent.batch(0, [
      { seq: 1, kind: 'result', createdAtMs: 1_000, payload: bad },
      rec(2, 'result', result({ collectedAtMs: 200, correlationId: 'fine' })),
    ]);
    expect(ack).toMatchObject({ seq: 2 });
    expect(t.hub.db.prepare('SELECT reason, seq FROM gaps').all()).toEqual([{ reason: 'record_invalid', seq: 1 }]);
    expect(latestCorrelation(t)).toBe('fine');
  });
});

function latestCorrelation(t: Awaited<ReturnType<typeof startTestHub>>): unknown {
  const row = t.hub.db.prepare('SELECT data FROM latest WHERE topic = ?').pluck().get(TOPIC_INFO) as Buffer;
  return (decode(row) as { correlationId: unknown }).correlationId;
}
