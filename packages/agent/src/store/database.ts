/**
 * Opening the agent's SQLite file: pragmas, corruption handling, migrations.
 *
 * Order on open (see docs/storage.md):
 *  1. create the parent folder;
 *  2. open; read `user_version` (the first real read — a file that is not a
 *     database fails here); a NEWER version is refused untouched, and so is
 *     a version-0 file that already has tables (another application's);
 *  3. `PRAGMA quick_check`; anything but "ok" counts as corrupt;
 *  4. WAL, synchronous (FULL unless configured NORMAL), foreign_keys;
 *  5. migrations.
 * A corrupt file (SQLITE_CORRUPT*, SQLITE_NOTADB, failed quick_check) is
 * renamed to `<path>.corrupt-<timestamp>` together with its -wal, -shm and
 * -journal files, a warn line says where it went, and a new database is
 * started (with a new epoch). Other failures are STORE_OPEN_FAILED.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';
import type { Clock, StoreLogger } from './store-types.js';
import { isCorruptionError, META_APP, migrate, MIGRATIONS, readUserVersion, refuseNewer, type Migration } from './migrations.js';
import { asRow, int, str } from './row-validate.js';

export interface OpenDatabaseOptions {
  path: string;
  /** FULL (default) survives power loss; NORMAL in WAL mode may lose the last commits on power loss, never on a crash. */
  synchronous?: 'FULL' | 'NORMAL';
  logger: StoreLogger;
  clock: Clock;
  /** How long a statement waits for a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
  /** For tests; defaults to MIGRATIONS. */
  migrations?: readonly Migration[];
}

const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

class CorruptDatabase extends Error {
  /** Still open: the files are renamed before it is closed (see moveAsideAndClose). */
  db: Database.Database | undefined;
  constructor(
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(reason);
  }
}

export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path, logger } = options;
  const inMemory = path === ':memory:';
  if (!inMemory) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new InfraError('STORE_OPEN_FAILED', `cannot create the folder for the database ${path}: ${messageOf(err)}`, {
        cause: err,
        details: { path },
      });
    }
  }
  try {
    return openOnce(options);
  } catch (err) {
    if (!(err instanceof CorruptDatabase) || inMemory) {
      if (err instanceof CorruptDatabase) err.db?.close();
      throw unwrapCorrupt(err, path);
    }
    const movedTo = moveAsideAndClose(path, options.clock, err.db);
    logger.warn(
      { event: 'store_corrupt_moved_aside', path, movedTo, reason: err.reason },
      `the database ${path} is corrupt (${err.reason}); moved it aside to ${movedTo} and started a new database`,
    );
    try {
      return openOnce(options);
    } catch (again) {
      throw unwrapCorrupt(again, path);
    }
  }
}

function openOnce(options: OpenDatabaseOptions): Database.Database {
  const { path } = options;
  const migrations = options.migrations ?? MIGRATIONS;
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    if (isCorruptionError(err)) throw new CorruptDatabase(messageOf(err), err);
    throw new InfraError('STORE_OPEN_FAILED', `cannot open the database ${path}: ${messageOf(err)}`, { cause: err, details: { path } });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    // First read of the file: NOTADB surfaces here. Then refuse a newer
    // schema before anything below can write to the file.
    const version = readUserVersion(db);
    refuseNewer(version, migrations, path);
    if (version === 0) refuseForeign(db, path);
    const problems = quickCheck(db);
    if (problems.length > 0) throw new CorruptDatabase(`quick_check: ${problems.join('; ')}`);
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && path !== ':memory:') {
      throw new InfraError('STORE_OPEN_FAILED', `the database ${path} could not be switched to WAL (journal_mode is ${String(mode)})`, {
        details: { path },
      });
    }
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, { migrations, clock: options.clock, logger: options.logger, path });
    checkApp(db, path);
    return db;
  } catch (err) {
    const corrupt = err instanceof CorruptDatabase ? err : isCorruptionError(err) ? new CorruptDatabase(messageOf(err), err) : undefined;
    if (corrupt) {
      // Keep the connection open: closing it now could delete the -wal
      // file, which belongs with the corrupt copy.
      corrupt.db = db;
      throw corrupt;
    }
    db.close();
    if (err instanceof InfraError) throw err;
    throw new InfraError('STORE_OPEN_FAILED', `cannot open the database ${path}: ${messageOf(err)}`, { cause: err, details: { path } });
  }
}

function quickCheck(db: Database.Database): string[] {
  const rows: unknown = db.pragma('quick_check(20)', { simple: false });
  if (!Array.isArray(rows)) return ['quick_check returned no rows'];
  const messages = rows.map((r) => str(asRow(r, 'quick_check'), 'quick_check', 'quick_check'));
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages;
}

/** A file whose meta says it belongs to another application is not ours to migrate or write. */
function checkApp(db: Database.Database, path: string): void {
  const row: unknown = db.prepare("SELECT value FROM meta WHERE key = 'app'").get();
  const app = row === undefined ? undefined : str(asRow(row, 'meta'), 'value', 'meta');
  if (app !== META_APP) {
    throw new InfraError('STORE_OPEN_FAILED', `the database ${path} does not belong to the agent (meta app = ${String(app)})`, {
      details: { path, app },
    });
  }
}

/** Version 0 with tables in it: some other application's database. Not ours to migrate. */
function refuseForeign(db: Database.Database, path: string): void {
  const row: unknown = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get();
  const n = int(asRow(row, 'sqlite_schema'), 'n', 'sqlite_schema');
  if (n > 0) {
    throw new InfraError('STORE_OPEN_FAILED', `the database ${path} is not an agent database (it has ${n} schema objects but no agent schema version); the file was not changed`, {
      details: { path, schemaObjects: n },
    });
  }
}

/**
 * Rename the file and its -wal/-shm/-journal, THEN close the connection that
 * found the damage: SQLite deletes the WAL by name on close, which after the
 * rename no longer points at the corrupt copy's WAL.
 */
function moveAsideAndClose(path: string, clock: Clock, db: Database.Database | undefined): string {
  try {
    return moveAside(path, clock);
  } finally {
    try {
      db?.close();
    } catch {
      // Closing a connection to a damaged file may fail; the files are already aside.
    }
  }
}

function moveAside(path: string, clock: Clock): string {
  const stamp = new Date(clock()).toISOString().replace(/[:.]/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  try {
    renameSync(path, target);
    for (const suffix of SIDE_FILES) {
      if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
    }
  } catch (err) {
    throw new InfraError('STORE_OPEN_FAILED', `the database ${path} is corrupt and could not be moved aside to ${target}: ${messageOf(err)}`, {
      cause: err,
      details: { path, movedTo: target },
    });
  }
  return target;
}

function unwrapCorrupt(err: unknown, path: string): unknown {
  if (err instanceof CorruptDatabase) {
    return new InfraError('STORE_OPEN_FAILED', `the database ${path} is corrupt: ${err.reason}`, { cause: err.cause ?? err, details: { path } });
  }
  return err;
}

/** The database's epoch: random, created with the file, never changed. */
export function readEpoch(db: Database.Database): string {
  const row: unknown = db.prepare("SELECT value FROM meta WHERE key = 'epoch'").get();
  if (row === undefined) throw new InfraError('INTERNAL', 'the database has no epoch in meta');
  const epoch = str(asRow(row, 'meta'), 'value', 'meta');
  if (!/^[0-9a-f]{32}$/.test(epoch)) throw new InfraError('INTERNAL', 'the database epoch in meta is malformed');
  return epoch;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
