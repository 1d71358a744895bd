import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openAgentStore } from '../../src/store/agent-store.js';
import { auditEntry, manualClock, memoryLogger, resultEntry, storageOptions, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const HOUR = 3600_000;

describe('retention', () => {
  it('prunes history and audit rows past their retention in batches, keeping latest results and the outbox', () => {
    const clock = manualClock(1_000 * HOUR);
    const store = openAgentStore({
      storage: storageOptions(join(dirs.make(), 'agent.db'), { historyRetentionMs: 10 * HOUR, auditRetentionMs: 20 * HOUR }),
      logger: memoryLogger(),
      clock: clock.now,
      pruneBatchSize: 3, // several batches per prune
    });
    // One collection per hour for 30 hours, for two commands.
    for (let h = 0; h < 30; h++) {
      for (const command of ['a', 'b']) {
        const timeMs = clock.now();
        store.collections.record({
          audit: auditEntry({ command, timeMs, status: h % 7 === 0 ? 'error' : 'success', errorCode: h % 7 === 0 ? 'EXEC_TIMEOUT' : null }),
          result: resultEntry({ command, collectedAtMs: timeMs, data: { h } }),
        });
      }
      clock.advance(HOUR);
    }
    const outboxBefore = store.outbox.stats().count;
    expect(store.results.countHistory()).toBe(60);
    expect(store.audit.count()).toBe(60);

    // now = start + 30h: history keeps collections at ≥ start+20h (h = 20..29), audits ≥ start+10h (h = 10..29).
    expect(store.pruneRetention()).toEqual({ historyRowsDeleted: 40, auditRowsDeleted: 20 });
    expect(store.results.countHistory()).toBe(20);
    expect(store.audit.count()).toBe(40);
    const hours = store.results.history('nas', 'a', 'p0', { limit: 100 }).map((r) => (r.data as { h: number }).h);
    expect(hours).toEqual([29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
    expect(store.results.getLatest('nas', 'a', 'p0')?.data).toEqual({ h: 29 });
    expect(store.outbox.stats().count).toBe(outboxBefore);
    // Nothing more to do on a second run.
    expect(store.pruneRetention()).toEqual({ historyRowsDeleted: 0, auditRowsDeleted: 0 });

    // Status helpers over what is left.
    expect(store.audit.lastSuccesses().map((s) => [s.command, s.timeMs])).toEqual([
      ['a', 1_000 * HOUR + 29 * HOUR],
      ['b', 1_000 * HOUR + 29 * HOUR],
    ]);
    expect(store.audit.recentErrors({ limit: 10 }).map((e) => [e.command, e.errorCode])).toEqual([
      ['b', 'EXEC_TIMEOUT'],
      ['a', 'EXEC_TIMEOUT'],
      ['b', 'EXEC_TIMEOUT'],
      ['a', 'EXEC_TIMEOUT'],
      ['b', 'EXEC_TIMEOUT'],
      ['a', 'EXEC_TIMEOUT'],
    ]);
    store.close();
  });

  it('keeps the latest result per key from moving backwards', () => {
    const clock = manualClock();
    const store = openAgentStore({ storage: storageOptions(join(dirs.make(), 'agent.db')), logger: memoryLogger(), clock: clock.now });
    store.collections.record({ audit: auditEntry(), result: resultEntry({ collectedAtMs: 2000, data: 'new' }) });
    store.collections.record({ audit: auditEntry(), result: resultEntry({ collectedAtMs: 1000, data: 'late but older' }) });
    expect(store.results.getLatest('nas', 'system_info', 'p0')).toMatchObject({ seq: 1, data: 'new' });
    expect(store.results.countHistory()).toBe(2);
    store.close();
  });
});
