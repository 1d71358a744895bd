import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openHubStore } from '../../src/store/hub-store.js';
import { memoryLogger } from '../support/memory-logger.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('opening the hub database', () => {
  it('uses WAL, synchronous FULL and schema version 1', () => {
    const path = join(dirs.make(), 'nested', 'hub.db');
    const store = openHubStore({ path, synchronous: 'FULL', logger: memoryLogger().logger, nowMs: 0 });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.db.pragma('user_version', { simple: true })).toBe(1);
    store.close();
    store.close();
  });

  it('moves a corrupt file aside with a warn line and starts an empty database', () => {
    const dir = dirs.make();
    const path = join(dir, 'hub.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const log = memoryLogger();
    const store = openHubStore({ path, synchronous: 'FULL', logger: log.logger, nowMs: Date.UTC(2025, 0, 2, 3, 4, 5) });
    expect(store.agents.list()).toEqual([]);
    store.close();
    const moved = log.lines().find((l) => l['event'] === 'store_corrupt_moved_aside');
    expect(moved).toMatchObject({ path, movedTo: `${path}.corrupt-2025-01-02T03-04-05-000Z` });
    expect(readdirSync(dir).sort()).toContain('hub.db.corrupt-2025-01-02T03-04-05-000Z');
  });

  it('refuses, untouched, a database written by a newer hub or by another application', () => {
    const dir = dirs.make();
    const newer = join(dir, 'newer.db');
    const raw = new Database(newer);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openHubStore({ path: newer, synchronous: 'FULL', logger: memoryLogger().logger, nowMs: 0 })).toThrow(
      expect.objectContaining({ code: 'STORE_MIGRATION_FAILED' }),
    );
    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE things (x)');
    other.close();
    expect(() => openHubStore({ path: foreign, synchronous: 'FULL', logger: memoryLogger().logger, nowMs: 0 })).toThrow(
      expect.objectContaining({ code: 'STORE_OPEN_FAILED' }),
    );
    expect(readdirSync(dir).sort()).toEqual(['foreign.db', 'newer.db']);
  });
});
