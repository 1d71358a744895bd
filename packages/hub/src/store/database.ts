/**
 * Opening the hub's SQLite file (the same steps as the agent's store):
 *  1. create the parent folder; open; read user_version (a file that is not
 *     a database fails here); refuse a newer schema or a foreign file untouched;
 *  2. `PRAGMA quick_check` — anything but "ok" counts as corrupt;
 *  3. WAL, synchronous FULL (or NORMAL), busy_timeout, foreign_keys;
 *  4. migrations.
 * A corrupt file is renamed with its -wal/-shm/-journal to
 * `<path>.corrupt-<UTC time>[-n]`, one warn line (`store_corrupt_moved_aside`)
 * says where, and an empty database is started. The hub then knows no high
 * water marks: agents are asked to resend, and what they no longer hold is
 * recorded as hub-side gaps.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';
import type { Logger } from '../log/logger.js';
import { checkOwnership, isCorruptionError, migrate, MIGRATIONS, readUserVersion, refuseNewer, type Migration } from './migrations.js';
import { asRow, str } from './row-validate.js';

export interface OpenHubDatabaseOptions {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  logger: Logger;
  nowMs: number;
  migrations?: readonly Migration[];
}

class Corrupt extends Error {
  constructor(
    readonly reason: string,
    /** Still open: renamed before close, so close cannot delete the WAL of the copy. */
    readonly db: Database.Database | undefined,
  ) {
    super(reason);
  }
}

export function openHubDatabase(options: OpenHubDatabaseOptions): Database.Database {
  const { path, logger } = options;
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new InfraError('STORE_OPEN_FAILED', `cannot create the folder for the database ${path}: ${messageOf(err)}`, { cause: err, details: { path } });
    }
  }
  try {
    return openOnce(options);
  } catch (err) {
    if (!(err instanceof Corrupt)) throw err;
    if (path === ':memory:') {
      err.db?.close();
      throw new InfraError('STORE_OPEN_FAILED', `in-memory database is corrupt: ${err.reason}`);
    }
    const movedTo = moveAsideThenClose(path, options.nowMs, err.db);
    logger.warn({ event: 'store_corrupt_moved_aside', path, movedTo, reason: err.reason }, `the hub database ${path} is corrupt (${err.reason}); moved it aside to ${movedTo} and started a new one`);
    try {
      return openOnce(options);
    } catch (again) {
      if (again instanceof Corrupt) {
        again.db?.close();
        throw new InfraError('STORE_OPEN_FAILED', `the database ${path} is corrupt: ${again.reason}`, { details: { path } });
      }
      throw again;
    }
  }
}

function openOnce(options: OpenHubDatabaseOptions): Database.Database {
  const { path } = options;
  const migrations = options.migrations ?? MIGRATIONS;
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    if (isCorruptionError(err)) throw new Corrupt(messageOf(err), undefined);
    throw new InfraError('STORE_OPEN_FAILED', `cannot open the database ${path}: ${messageOf(err)}`, { cause: err, details: { path } });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = readUserVersion(db);
    refuseNewer(version, migrations, path);
    checkOwnership(db, path, version);
    const problems = quickCheck(db);
    if (problems.length > 0) throw new Corrupt(`quick_check: ${problems.join('; ')}`, db);
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && path !== ':memory:') {
      throw new InfraError('STORE_OPEN_FAILED', `the database ${path} could not be switched to WAL (journal_mode is ${String(mode)})`, { details: { path } });
    }
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, { migrations, nowMs: options.nowMs, logger: options.logger, path });
    return db;
  } catch (err) {
    if (err instanceof Corrupt) throw err;
    if (isCorruptionError(err)) throw new Corrupt(messageOf(err), db);
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

function moveAsideThenClose(path: string, nowMs: number, db: Database.Database | undefined): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  try {
    renameSync(path, target);
    for (const suffix of ['-wal', '-shm', '-journal']) if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  } catch (err) {
    throw new InfraError('STORE_OPEN_FAILED', `the database ${path} is corrupt and could not be moved aside to ${target}: ${messageOf(err)}`, { cause: err, details: { path } });
  } finally {
    try {
      db?.close();
    } catch {
      // closing a connection to a damaged file may fail; the files are aside already
    }
  }
  return target;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
