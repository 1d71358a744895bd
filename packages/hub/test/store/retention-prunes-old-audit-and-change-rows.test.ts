import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openHubStore } from '../../src/store/hub-store.js';
import { memoryLogger } from '../support/memory-logger.js';
import { audit, change, EPOCH_A } from '../support/records.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const DAY = 24 * 3600_000;

describe('retention', () => {
  it('deletes audit rows and change events older than their retention, in chunks, and keeps the rest', () => {
    const store = openHubStore({ path: join(dirs.make(), 'hub.db'), synchronous: 'NORMAL', logger: memoryLogger().logger, nowMs: 0 });
    const now = 100 * DAY;
    const origin = (seq: number) => ({ agentId: 'a1', site: 'alpha', epoch: EPOCH_A, seq });
    store.db.transaction(() => {
      for (let i = 1; i <= 2500; i++) store.records.insertAudit(origin(i), audit({ timeMs: now - 40 * DAY }), now);
      store.records.insertAudit(origin(2501), audit({ timeMs: now - 10 * DAY }), now);
      store.records.insertChange(origin(2502), change({ detectedAtMs: now - 8 * DAY }), now);
      store.records.insertChange(origin(2503), change({ detectedAtMs: now - 1 * DAY }), now);
    })();
    expect(store.retention.prune(now, 30 * DAY, 7 * DAY)).toEqual({ auditRows: 2500, changeRows: 1 });
    expect(store.db.prepare('SELECT seq FROM audit').all()).toEqual([{ seq: 2501 }]);
    expect(store.db.prepare('SELECT seq FROM changes').all()).toEqual([{ seq: 2503 }]);
    expect(store.retention.prune(now, 30 * DAY, 7 * DAY)).toEqual({ auditRows: 0, changeRows: 0 });
    store.close();
  });
});
