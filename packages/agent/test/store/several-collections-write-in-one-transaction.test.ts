import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { auditEntry, manualClock, openStore, outboxRows, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('recordMany', () => {
  it('writes each collection as record() would, in order, in one transaction', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    const seqs = store.collections.recordMany([
      { audit: auditEntry({ command: 'a' }), result: resultEntry({ command: 'a' }) },
      { audit: auditEntry({ command: 'b' }), result: resultEntry({ command: 'b' }) },
    ]);
    expect(seqs.map((s) => [s.resultSeq, s.auditSeq])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(outboxRows(store).map((r) => r.kind)).toEqual(['result', 'audit', 'result', 'audit']);
    expect(store.audit.getBySeq(4)).toMatchObject({ command: 'b', status: 'success' });
    store.close();
  });

  it('writes nothing when one of them fails', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    store.db.exec("CREATE TRIGGER boom BEFORE INSERT ON audit WHEN NEW.command = 'b' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    expect(() =>
      store.collections.recordMany([
        { audit: auditEntry({ command: 'a' }), result: resultEntry({ command: 'a' }) },
        { audit: auditEntry({ command: 'b' }), result: resultEntry({ command: 'b' }) },
      ]),
    ).toThrow(/boom/);
    expect(outboxRows(store)).toEqual([]);
    expect(store.outbox.lastSeq()).toBe(0);
    store.close();
  });
});
