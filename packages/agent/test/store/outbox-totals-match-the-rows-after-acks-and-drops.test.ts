// outbox_totals (count and bytes, read by stats() and the cap pass) must equal
// the rows at every step: appends add through a trigger, the two delete paths
// (cumulative ack, cap-pass drops) subtract what they deleted themselves
// (migration 2 dropped the per-row delete trigger). A database made before
// migration 2 is upgraded with its totals intact.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/database.js';
import type { AgentStore } from '../../src/store/agent-store.js';
import { auditEntry, manualClock, memoryLogger, openStore, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function expectTotalsMatchRows(store: AgentStore): void {
  const rows = store.db.prepare('SELECT count(*) AS count, coalesce(sum(size_bytes), 0) AS bytes FROM outbox').get();
  const totals = store.db.prepare('SELECT count, bytes FROM outbox_totals WHERE id = 1').get();
  expect(totals).toEqual(rows);
  expect(store.outbox.stats()).toMatchObject(rows as object);
}

describe('outbox totals', () => {
  it('match the rows after appends, acks (partial, repeated, all) and cap-pass drops', () => {
    const clock = manualClock();
    const store = openStore(join(dirs.make(), 'agent.db'), clock, memoryLogger(), { outboxMaxBytes: 6000 });
    const collect = (n: number, size: number): void => {
      for (let i = 0; i < n; i++) store.collections.record({ audit: auditEntry(), result: resultEntry({ data: 'x'.repeat(size) }) });
    };
    collect(5, 100);
    expectTotalsMatchRows(store);
    expect(store.outbox.ack(4)).toBe(4);
    expectTotalsMatchRows(store);
    expect(store.outbox.ack(4)).toBe(0);
    expect(store.outbox.ack(2)).toBe(0);
    expectTotalsMatchRows(store);
    // Over the byte cap: the cap pass drops results and adds gap records.
    collect(20, 400);
    expect(store.outbox.stats().droppedResultsTotal).toBeGreaterThan(0);
    expectTotalsMatchRows(store);
    expect(store.outbox.ack(store.outbox.lastSeq())).toBeGreaterThan(0);
    expectTotalsMatchRows(store);
    expect(store.outbox.stats()).toMatchObject({ count: 0, bytes: 0 });
    store.close();
  });

  it('survive the upgrade of a database made before migration 2', () => {
    const path = join(dirs.make(), 'agent.db');
    const clock = manualClock();
    // A version-1 database whose outbox was written and deleted from under its triggers.
    const v1 = openDatabase({ path, logger: memoryLogger(), clock: clock.now, migrations: [MIGRATIONS[0]!] });
    const insert = v1.prepare("INSERT INTO outbox (kind, created_at_ms, size_bytes, payload) VALUES ('audit', 1, ?, ?)");
    for (const n of [3, 5, 7, 11]) insert.run(n, Buffer.alloc(n, 1));
    v1.prepare('DELETE FROM outbox WHERE seq = 1').run();
    expect(v1.prepare('SELECT count, bytes FROM outbox_totals').get()).toEqual({ count: 3, bytes: 23 });
    v1.close();

    const store = openStore(path, clock);
    const raw = store.db;
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name = 'outbox_totals_on_delete'").all()).toEqual([]);
    expectTotalsMatchRows(store);
    expect(store.outbox.ack(3)).toBe(2);
    expect(store.outbox.stats()).toMatchObject({ count: 1, bytes: 11 });
    expectTotalsMatchRows(store);
    store.close();
  });
});
