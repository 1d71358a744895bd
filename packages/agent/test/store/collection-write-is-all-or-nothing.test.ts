import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decode } from '@infrastructor/shared';
import type { AgentStore } from '../../src/store/agent-store.js';
import { auditEntry, changeEntry, manualClock, openStore, outboxRows, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** Every row of every table, so "nothing changed" can be asserted exactly. */
function snapshot(store: AgentStore): unknown {
  const tables = ['outbox', 'outbox_totals', 'results_latest', 'results_history', 'audit', 'file_hashes', 'sqlite_sequence', 'meta'];
  return Object.fromEntries(tables.map((t) => [t, store.db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
}

const FAILURE_POINTS: { name: string; trigger: string }[] = [
  { name: 'the result outbox record', trigger: "BEFORE INSERT ON outbox WHEN NEW.kind = 'result'" },
  { name: 'results_latest', trigger: 'BEFORE UPDATE ON results_latest' },
  { name: 'results_history', trigger: 'BEFORE INSERT ON results_history' },
  { name: 'file_hashes', trigger: 'BEFORE INSERT ON file_hashes' },
  { name: 'the second change record', trigger: "BEFORE INSERT ON outbox WHEN NEW.kind = 'change' AND (SELECT count(*) FROM outbox WHERE kind = 'change') >= 2" },
  { name: 'the audit outbox record', trigger: "BEFORE INSERT ON outbox WHEN NEW.kind = 'audit'" },
  { name: 'the audit row', trigger: 'BEFORE INSERT ON audit' },
  { name: 'the gap record of the cap pass', trigger: "BEFORE INSERT ON outbox WHEN NEW.kind = 'gap'" },
];

describe('recordCollection', () => {
  it('writes audit, result, hashes and change events with their outbox records in one go', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    const seqs = store.collections.record({
      audit: auditEntry({ durationMs: 12.6 }),
      result: resultEntry(),
      changes: [changeEntry({ path: '/a' }), changeEntry({ path: '/b' })],
      files: [
        { path: '/a', hash: 'sha256:aa' },
        { path: '/b', hash: 'sha256:aa' },
      ],
    });
    expect(seqs).toMatchObject({ resultSeq: 1, changeSeqs: [2, 3], auditSeq: 4, gapSeq: null });
    expect(outboxRows(store).map((r) => r.kind)).toEqual(['result', 'change', 'change', 'audit']);
    expect(store.results.getLatest('nas', 'system_info', 'p0')).toMatchObject({ seq: 1, data: { uptimeSeconds: 42 } });
    expect(store.audit.getBySeq(4)).toMatchObject({ id: seqs.auditId, status: 'success', durationMs: 13 });
    expect(store.collections.previousFileHashes('nas', 'system_info')).toEqual(
      new Map([
        ['/a', 'sha256:aa'],
        ['/b', 'sha256:aa'],
      ]),
    );
    const [, change] = store.outbox.peek({ maxRecords: 2, maxBytes: 1 << 20 });
    expect(decode(change!.payload)).toMatchObject({ path: '/a', change: 'created', host: 'nas' });
    store.close();
  });

  for (const point of FAILURE_POINTS) {
    it(`leaves nothing behind when ${point.name} fails`, () => {
      const clock = manualClock();
      const store = openStore(join(dirs.make(), 'agent.db'), clock, undefined, { outboxMaxBytes: 600 });
      // Earlier state: one collection, so results_latest has a row to update
      // and the outbox holds an old result the cap pass can drop.
      store.collections.record({ audit: auditEntry(), result: resultEntry(), files: [{ path: '/old', hash: 'sha256:00' }] });
      const before = snapshot(store);
      const lastSeq = store.outbox.lastSeq();
      store.db.exec(`CREATE TRIGGER injected_failure ${point.trigger} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);

      clock.advance(1000);
      expect(() =>
        store.collections.record({
          audit: auditEntry({ timeMs: clock.now() }),
          result: resultEntry({ collectedAtMs: clock.now(), data: { filler: 'x'.repeat(300) } }),
          changes: [
            changeEntry({ path: '/new1' }),
            changeEntry({ path: '/new2' }),
            changeEntry({ path: '/old', change: 'deleted', oldHash: 'sha256:00', newHash: null }),
          ],
          files: [
            { path: '/new1', hash: 'sha256:aa' },
            { path: '/new2', hash: 'sha256:aa' },
          ],
        }),
      ).toThrow(/injected failure/);

      expect(snapshot(store)).toEqual(before);
      expect(store.outbox.lastSeq()).toBe(lastSeq);
      store.db.exec('DROP TRIGGER injected_failure');
      // The store is still usable and the next seq follows the last committed one.
      expect(store.collections.record({ audit: auditEntry() }).auditSeq).toBe(lastSeq + 1);
      store.close();
    });
  }

  it('validates before writing: an inconsistent change or a foreign result stores nothing', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    expect(() =>
      store.collections.record({ audit: auditEntry(), changes: [changeEntry({ change: 'modified', oldHash: null })] }),
    ).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => store.collections.record({ audit: auditEntry(), result: resultEntry({ host: 'other' }) })).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
    expect(store.outbox.lastSeq()).toBe(0);
    expect(store.audit.count()).toBe(0);
    store.close();
    expect(() => store.collections.record({ audit: auditEntry() })).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
  });
});
