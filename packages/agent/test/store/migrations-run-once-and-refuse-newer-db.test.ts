import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';
import { openDatabase, readEpoch } from '../../src/store/database.js';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.js';
import { manualClock, memoryLogger, openStore, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function thrown(fn: () => unknown): InfraError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InfraError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('migrations', () => {
  it('run once on a new database: user_version, meta and pragmas are set', () => {
    const dir = dirs.make();
    const path = join(dir, 'nested', 'folder', 'agent.db'); // the parent folder is created
    const clock = manualClock(1_234);
    const logger = memoryLogger();
    const db = openDatabase({ path, logger, clock: clock.now });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    expect(meta).toMatchObject({ app: 'infrastructor-agent', schemaVersion: String(MIGRATIONS.length), createdAtMs: '1234' });
    const epoch = readEpoch(db);
    expect(epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(logger.lines.filter((l) => l.obj['event'] === 'store_migrated')).toHaveLength(MIGRATIONS.length);
    db.close();

    const again = memoryLogger();
    const reopened = openDatabase({ path, logger: again, clock: clock.now, synchronous: 'NORMAL' });
    expect(again.lines.filter((l) => l.obj['event'] === 'store_migrated')).toHaveLength(0);
    expect(readEpoch(reopened)).toBe(epoch);
    expect(reopened.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    reopened.close();
  });

  it('applies only the new ones, each once, and rolls a failing one back', () => {
    const path = join(dirs.make(), 'agent.db');
    const clock = manualClock();
    const runs: number[] = [];
    const counted = (m: Migration): Migration => ({ ...m, up: (db, ctx) => (runs.push(m.version), m.up(db, ctx)) });
    const v1 = counted(MIGRATIONS[0]!);
    const v2 = counted({ version: 2, name: 'add notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY) STRICT') });
    const v3bad = counted({
      version: 3,
      name: 'half done',
      up: (db) => {
        db.exec('CREATE TABLE half (id INTEGER PRIMARY KEY)');
        throw new Error('migration bug');
      },
    });

    openDatabase({ path, logger: memoryLogger(), clock: clock.now, migrations: [v1] }).close();
    openDatabase({ path, logger: memoryLogger(), clock: clock.now, migrations: [v1, v2] }).close();
    openDatabase({ path, logger: memoryLogger(), clock: clock.now, migrations: [v1, v2] }).close();
    expect(runs).toEqual([1, 2]);

    const err = thrown(() => openDatabase({ path, logger: memoryLogger(), clock: clock.now, migrations: [v1, v2, v3bad] }));
    expect(err.code).toBe('STORE_MIGRATION_FAILED');
    expect(err.message).toMatch(/migration 3 \(half done\) failed.*migration bug/);
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare("SELECT name FROM sqlite_schema WHERE name = 'half'").all()).toEqual([]);
    raw.close();
  });

  it('refuses a database from a newer agent and leaves the file untouched', () => {
    const dir = dirs.make();
    const path = join(dir, 'agent.db');
    const clock = manualClock();
    openStore(path, clock).close();
    const raw = new Database(path);
    raw.pragma('journal_mode = DELETE');
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    const before = sha(path);
    const filesBefore = readdirSync(dir).sort();

    const logger = memoryLogger();
    const err = thrown(() => openDatabase({ path, logger, clock: clock.now }));
    expect(err.code).toBe('STORE_MIGRATION_FAILED');
    expect(err.message).toMatch(/newer than this agent supports/);
    expect(err.details).toMatchObject({ dbVersion: MIGRATIONS.length + 5, supportedVersion: MIGRATIONS.length });
    expect(sha(path)).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(filesBefore); // not moved aside, nothing created
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it("refuses another application's database instead of migrating it", () => {
    const dir = dirs.make();
    const path = join(dir, 'other.db');
    const raw = new Database(path);
    raw.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY); INSERT INTO photos VALUES (1)");
    raw.close();
    const before = sha(path);
    const err = thrown(() => openDatabase({ path, logger: memoryLogger(), clock: manualClock().now }));
    expect(err.code).toBe('STORE_OPEN_FAILED');
    expect(err.message).toMatch(/not an agent database/);
    expect(sha(path)).toBe(before);
  });
});
