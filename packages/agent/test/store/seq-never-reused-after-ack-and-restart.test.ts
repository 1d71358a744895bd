import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { auditEntry, manualClock, openStore, outboxRows, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('outbox seqs', () => {
  it('continue after the outbox is emptied and after a reopen, never reusing one', () => {
    const path = join(dirs.make(), 'agent.db');
    const clock = manualClock();
    const store = openStore(path, clock);
    const epoch = store.epoch;
    expect(epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(store.outbox.lastSeq()).toBe(0);

    const first = store.collections.record({ audit: auditEntry(), result: resultEntry() });
    expect(first).toMatchObject({ resultSeq: 1, auditSeq: 2, changeSeqs: [], gapSeq: null });
    const second = store.collections.record({ audit: auditEntry({ status: 'error', errorCode: 'EXEC_TIMEOUT', errorMessage: 'slow' }) });
    expect(second.auditSeq).toBe(3);

    // Ack everything: the outbox is empty, the high mark stays.
    expect(store.outbox.ack(3)).toBe(3);
    expect(store.outbox.stats()).toMatchObject({ count: 0, bytes: 0, oldestSeq: null, newestSeq: null, lastSeq: 3 });
    const third = store.collections.record({ audit: auditEntry() });
    expect(third.auditSeq).toBe(4);
    store.outbox.ack(4);
    store.close();
    store.close(); // safe twice

    const reopened = openStore(path, clock);
    expect(reopened.epoch).toBe(epoch);
    expect(reopened.outbox.epoch).toBe(epoch);
    expect(reopened.outbox.lastSeq()).toBe(4);
    expect(outboxRows(reopened)).toEqual([]);
    const fourth = reopened.collections.record({ audit: auditEntry(), result: resultEntry() });
    expect(fourth).toMatchObject({ resultSeq: 5, auditSeq: 6 });
    expect(reopened.outbox.append('audit', Buffer.from([0xc0]))).toBe(7);
    expect(outboxRows(reopened).map((r) => r.seq)).toEqual([5, 6, 7]);
    reopened.close();
  });

  it('does not consume a seq in a rolled-back write', () => {
    const path = join(dirs.make(), 'agent.db');
    const store = openStore(path, manualClock());
    store.collections.record({ audit: auditEntry() });
    store.db.exec("CREATE TRIGGER fail_history BEFORE INSERT ON results_history BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    expect(() => store.collections.record({ audit: auditEntry(), result: resultEntry() })).toThrow(/disk on fire/);
    store.db.exec('DROP TRIGGER fail_history');
    expect(store.outbox.lastSeq()).toBe(1);
    expect(store.collections.record({ audit: auditEntry() }).auditSeq).toBe(2);
    store.close();
  });

  it('refuses an ack beyond the last seq and treats repeated acks as no-ops', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    store.collections.record({ audit: auditEntry() });
    expect(() => store.outbox.ack(2)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(store.outbox.ack(1)).toBe(1);
    expect(store.outbox.ack(1)).toBe(0);
    expect(store.outbox.ack(0)).toBe(0);
    store.close();
  });
});
