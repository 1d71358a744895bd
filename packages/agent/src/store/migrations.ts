/**
 * Versioned schema migrations for the agent database.
 *
 * - `PRAGMA user_version` holds the version of the last applied migration
 *   (0 = empty database).
 * - Migrations run in order, each in its own transaction together with the
 *   user_version bump, so a failed migration leaves the previous version.
 * - A database whose user_version is higher than the last migration here
 *   was written by a newer agent: it is refused with STORE_MIGRATION_FAILED
 *   and left untouched (no writes, not moved aside).
 * - Never edit a released migration; append a new one.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';
import type { Clock, StoreLogger } from './store-types.js';
import { int } from './row-validate.js';

export interface MigrationContext {
  clock: Clock;
}

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database, ctx: MigrationContext): void;
}

/** Tag stored in meta so a database of another application is recognised. */
export const META_APP = 'infrastructor-agent';

const INITIAL_SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The durable queue to the hub. AUTOINCREMENT: a seq is never handed out
-- twice, also after every row was deleted (sqlite_sequence keeps the high mark).
CREATE TABLE outbox (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT    NOT NULL CHECK (kind IN ('result', 'audit', 'change', 'gap')),
  created_at_ms INTEGER NOT NULL,
  size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
  payload       BLOB    NOT NULL
) STRICT;
CREATE INDEX outbox_kind_seq ON outbox (kind, seq);

-- Running totals kept by triggers (no full scans on the write path) and
-- lifetime counters of what the cap policy did.
CREATE TABLE outbox_totals (
  id                    INTEGER PRIMARY KEY CHECK (id = 1),
  count                 INTEGER NOT NULL,
  bytes                 INTEGER NOT NULL,
  dropped_results       INTEGER NOT NULL,
  dropped_bytes         INTEGER NOT NULL,
  gap_records           INTEGER NOT NULL,
  over_capacity_passes  INTEGER NOT NULL
) STRICT;
INSERT INTO outbox_totals VALUES (1, 0, 0, 0, 0, 0, 0);

CREATE TRIGGER outbox_totals_on_insert AFTER INSERT ON outbox BEGIN
  UPDATE outbox_totals SET count = count + 1, bytes = bytes + NEW.size_bytes WHERE id = 1;
END;
CREATE TRIGGER outbox_totals_on_delete AFTER DELETE ON outbox BEGIN
  UPDATE outbox_totals SET count = count - 1, bytes = bytes - OLD.size_bytes WHERE id = 1;
END;
CREATE TRIGGER outbox_is_append_only BEFORE UPDATE ON outbox BEGIN
  SELECT RAISE(ABORT, 'outbox records are immutable');
END;

CREATE TABLE results_latest (
  host            TEXT    NOT NULL,
  command         TEXT    NOT NULL,
  params_hash     TEXT    NOT NULL,
  seq             INTEGER NOT NULL,
  collected_at_ms INTEGER NOT NULL,
  payload         BLOB    NOT NULL,
  PRIMARY KEY (host, command, params_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE results_history (
  id              INTEGER PRIMARY KEY,
  seq             INTEGER NOT NULL UNIQUE,
  host            TEXT    NOT NULL,
  command         TEXT    NOT NULL,
  params_hash     TEXT    NOT NULL,
  collected_at_ms INTEGER NOT NULL,
  payload         BLOB    NOT NULL
) STRICT;
CREATE INDEX results_history_time ON results_history (collected_at_ms);
CREATE INDEX results_history_key_time ON results_history (host, command, params_hash, collected_at_ms);

CREATE TABLE audit (
  id             INTEGER PRIMARY KEY,
  seq            INTEGER NOT NULL UNIQUE,
  time_ms        INTEGER NOT NULL,
  host           TEXT    NOT NULL,
  command        TEXT    NOT NULL,
  params_hash    TEXT    NOT NULL,
  source         TEXT    NOT NULL CHECK (source IN ('schedule', 'request', 'cli')),
  status         TEXT    NOT NULL CHECK (status IN ('success', 'cached', 'error', 'timeout')),
  cache_hit      INTEGER NOT NULL CHECK (cache_hit IN (0, 1)),
  force_refresh  INTEGER NOT NULL CHECK (force_refresh IN (0, 1)),
  duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
  bytes          INTEGER NOT NULL CHECK (bytes >= 0),
  error_code     TEXT,
  error_message  TEXT,
  correlation_id TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_time ON audit (time_ms);
CREATE INDEX audit_host_command_status_time ON audit (host, command, status, time_ms);
CREATE INDEX audit_status_time ON audit (status, time_ms);

CREATE TABLE file_hashes (
  host          TEXT    NOT NULL,
  command       TEXT    NOT NULL,
  path          TEXT    NOT NULL,
  hash          TEXT    NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (host, command, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE host_keys (
  host_name    TEXT    PRIMARY KEY,
  fingerprint  TEXT    NOT NULL,
  pinned_at_ms INTEGER NOT NULL
) STRICT;
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up(db, ctx) {
      db.exec(INITIAL_SCHEMA);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      // The epoch names this database for the hub: (epoch, seq) identifies a
      // record. Created once with the database, never changed.
      put.run('epoch', randomBytes(16).toString('hex'));
      put.run('app', META_APP);
      put.run('createdAtMs', String(ctx.clock()));
    },
  },
  {
    // A trigger ran an UPDATE of the totals for every deleted row (500 per
    // hub ack); the two delete paths (ack, cap pass) now subtract what they
    // deleted in one statement, in the same transaction. Inserts keep theirs.
    version: 2,
    name: 'outbox totals subtracted by the delete paths',
    up(db) {
      db.exec('DROP TRIGGER outbox_totals_on_delete');
    },
  },
];

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

export function readUserVersion(db: Database.Database): number {
  const value: unknown = db.pragma('user_version', { simple: true });
  return int({ user_version: value }, 'user_version', 'pragma user_version');
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new InfraError('STORE_MIGRATION_FAILED', `migration list is not 1..n in order: position ${i} has version ${m.version}`, {
        details: { version: m.version, name: m.name },
      });
    }
  });
}

export interface MigrateOptions {
  migrations: readonly Migration[];
  clock: Clock;
  logger: StoreLogger;
  /** For messages only. */
  path: string;
}

/** Is a database at `version` newer than this code? Checked before anything writes. */
export function refuseNewer(version: number, migrations: readonly Migration[], path: string): void {
  const supported = latestVersion(migrations);
  if (version > supported) {
    throw new InfraError(
      'STORE_MIGRATION_FAILED',
      `the database ${path} has schema version ${version}, newer than this agent supports (${supported}); ` +
        'it was written by a newer agent. Upgrade the agent or point storage.path at another file. The file was not changed.',
      { details: { path, dbVersion: version, supportedVersion: supported } },
    );
  }
}

/**
 * Apply every migration above the database's user_version. Returns the
 * versions applied. Errors that mean the file is corrupt (SQLITE_CORRUPT*,
 * SQLITE_NOTADB) are rethrown as they are so the caller can move the file
 * aside; anything else becomes STORE_MIGRATION_FAILED.
 */
export function migrate(db: Database.Database, options: MigrateOptions): number[] {
  const { migrations, clock, logger, path } = options;
  checkList(migrations);
  const current = readUserVersion(db);
  refuseNewer(current, migrations, path);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        m.up(db, { clock });
        db.pragma(`user_version = ${m.version}`);
        db.prepare("INSERT INTO meta (key, value) VALUES ('schemaVersion', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
          String(m.version),
        );
      })();
    } catch (err) {
      if (isCorruptionError(err)) throw err;
      throw new InfraError('STORE_MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed on ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        details: { path, version: m.version, name: m.name },
      });
    }
    applied.push(m.version);
    logger.info({ event: 'store_migrated', path, version: m.version, name: m.name }, `applied database migration ${m.version} (${m.name})`);
  }
  return applied;
}

/** SQLite result codes that mean "this file is damaged or not a database". */
export function isCorruptionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
