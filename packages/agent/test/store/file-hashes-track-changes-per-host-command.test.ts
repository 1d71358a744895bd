import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decode } from '@infrastructor/shared';
import { auditEntry, changeEntry, manualClock, openStore, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('file hashes', () => {
  it('are kept per host/command, replaced by the current file set, and publish change events', () => {
    const clock = manualClock(100);
    const store = openStore(join(dirs.make(), 'agent.db'), clock);
    const audit = auditEntry({ command: 'proxy_configs' });
    const change = (o: Parameters<typeof changeEntry>[0]) => changeEntry({ command: 'proxy_configs', ...o });

    store.collections.record({
      audit,
      changes: [change({ path: '/a', newHash: 'h1' }), change({ path: '/b', newHash: 'h1' })],
      files: [
        { path: '/a', hash: 'h1' },
        { path: '/b', hash: 'h1' },
      ],
    });
    clock.advance(50);
    const seqs = store.collections.record({
      audit,
      changes: [change({ path: '/a', change: 'modified', oldHash: 'h1', newHash: 'h2' }), change({ path: '/b', change: 'deleted', oldHash: 'h1', newHash: null })],
      files: [{ path: '/a', hash: 'h2' }],
    });
    expect(store.fileHashes.getAll('nas', 'proxy_configs')).toEqual([{ path: '/a', hash: 'h2', updatedAtMs: 150 }]);
    expect(store.fileHashes.getAll('nas', 'other')).toEqual([]);
    const events = store.outbox
      .peek({ afterSeq: seqs.changeSeqs[0]! - 1, maxRecords: 2, maxBytes: 1 << 20 })
      .map((r) => [r.kind, decode(r.payload)]);
    expect(events).toEqual([
      ['change', expect.objectContaining({ path: '/a', change: 'modified', oldHash: 'h1', newHash: 'h2' })],
      ['change', expect.objectContaining({ path: '/b', change: 'deleted', oldHash: 'h1', newHash: null })],
    ]);

    // Without `files`, the change events themselves update the hashes.
    store.collections.record({ audit, changes: [change({ path: '/a', change: 'deleted', oldHash: 'h2', newHash: null }), change({ path: '/c', newHash: 'h3' })] });
    expect(store.collections.previousFileHashes('nas', 'proxy_configs')).toEqual(new Map([['/c', 'h3']]));
    store.fileHashes.upsert('nas', 'proxy_configs', '/d', 'h4', 1);
    expect(store.fileHashes.delete('nas', 'proxy_configs', '/d')).toBe(true);
    expect(store.fileHashes.delete('nas', 'proxy_configs', '/d')).toBe(false);
    store.close();
  });
});
