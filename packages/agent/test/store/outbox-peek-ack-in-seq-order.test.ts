import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decode } from '@infrastructor/shared';
import { parseAuditPayload } from '../../src/store/audit-store.js';
import { parseResultPayload } from '../../src/store/results-store.js';
import { auditEntry, manualClock, openStore, resultEntry, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('outbox peek and ack', () => {
  it('peeks in seq order without removing, bounded by count and bytes', () => {
    const clock = manualClock();
    const store = openStore(join(dirs.make(), 'agent.db'), clock);
    const seqs = [100, 200, 300, 400, 500].map((size, i) => {
      clock.advance(1000);
      return store.outbox.append(i % 2 === 0 ? 'result' : 'audit', Buffer.alloc(size, i));
    });
    expect(seqs).toEqual([1, 2, 3, 4, 5]);

    const firstTwo = store.outbox.peek({ maxRecords: 2, maxBytes: 10_000 });
    expect(firstTwo.map((r) => [r.seq, r.kind, r.sizeBytes])).toEqual([
      [1, 'result', 100],
      [2, 'audit', 200],
    ]);
    expect(firstTwo[1]!.payload.equals(Buffer.alloc(200, 1))).toBe(true);
    expect(firstTwo[1]!.createdAtMs).toBe(clock.now() - 3000);
    // Peeking again returns the same records: nothing was removed.
    expect(store.outbox.peek({ maxRecords: 2, maxBytes: 10_000 }).map((r) => r.seq)).toEqual([1, 2]);
    // afterSeq continues where the stream is.
    expect(store.outbox.peek({ afterSeq: 2, maxRecords: 10, maxBytes: 10_000 }).map((r) => r.seq)).toEqual([3, 4, 5]);
    // maxBytes stops before the record that would exceed it...
    expect(store.outbox.peek({ afterSeq: 0, maxRecords: 10, maxBytes: 650 }).map((r) => r.seq)).toEqual([1, 2, 3]);
    // ...but a single record larger than maxBytes still comes out alone.
    expect(store.outbox.peek({ afterSeq: 4, maxRecords: 10, maxBytes: 1 }).map((r) => r.seq)).toEqual([5]);
    expect(store.outbox.peek({ afterSeq: 5, maxRecords: 10, maxBytes: 1 })).toEqual([]);
    expect(() => store.outbox.peek({ maxRecords: 0, maxBytes: 1 })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));

    expect(store.outbox.stats()).toMatchObject({ count: 5, bytes: 1500, oldestSeq: 1, newestSeq: 5, lastSeq: 5, oldestAgeMs: 4000 });
    // Cumulative ack.
    expect(store.outbox.ack(3)).toBe(3);
    expect(store.outbox.peek({ maxRecords: 10, maxBytes: 10_000 }).map((r) => r.seq)).toEqual([4, 5]);
    expect(store.outbox.stats()).toMatchObject({ count: 2, bytes: 900, oldestSeq: 4, newestSeq: 5 });
    store.close();
  });

  it('carries collection payloads the hub can decode and validate', () => {
    const store = openStore(join(dirs.make(), 'agent.db'), manualClock());
    store.collections.record({ audit: auditEntry({ correlationId: 'abc' }), result: resultEntry({ params: { unit: 'nginx', dirs: ['/a'] } }) });
    const [result, audit] = store.outbox.peek({ maxRecords: 10, maxBytes: 1 << 20 });
    expect(result!.kind).toBe('result');
    expect(parseResultPayload(decode(result!.payload))).toEqual(resultEntry({ params: { unit: 'nginx', dirs: ['/a'] } }));
    expect(audit!.kind).toBe('audit');
    expect(parseAuditPayload(decode(audit!.payload))).toEqual(auditEntry({ correlationId: 'abc' }));
    store.close();
  });
});
