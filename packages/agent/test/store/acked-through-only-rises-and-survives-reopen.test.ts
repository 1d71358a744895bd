import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { auditEntry, manualClock, openStore, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('outbox ackedThrough', () => {
  it('records the highest acknowledged seq, never lowers it, and keeps it across a reopen', () => {
    const path = join(dirs.make(), 'agent.db');
    const clock = manualClock();
    const store = openStore(path, clock);
    expect(store.outbox.ackedThrough()).toBe(0);
    for (let i = 0; i < 5; i++) store.collections.record({ audit: auditEntry() });
    store.outbox.ack(4);
    expect(store.outbox.ackedThrough()).toBe(4);
    store.outbox.ack(2); // an older ack (e.g. a hub restored from a backup) does not lower it
    expect(store.outbox.ackedThrough()).toBe(4);
    store.close();
    const reopened = openStore(path, clock);
    expect(reopened.outbox.ackedThrough()).toBe(4);
    expect(reopened.outbox.peek({ afterSeq: 0, maxRecords: 10, maxBytes: 1 << 20 }).map((r) => r.seq)).toEqual([5]);
    reopened.close();
  });
});
