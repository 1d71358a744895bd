/**
 * Versioned schema migrations for the hub database.
 *
 * - `PRAGMA user_version` is the version of the last applied migration.
 * - Each migration runs in its own transaction with its user_version bump.
 * - A database with a higher version was written by a newer hub: refused
 *   with STORE_MIGRATION_FAILED and left untouched.
 * - Never edit a released migration; append a new one.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';
import type { Logger } from '../log/logger.js';
import { asRow, int } from './row-validate.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database, nowMs: number): void;
}

export const META_APP = 'infrastructor-hub';

const INITIAL_SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One row per agent ever connected. epoch: the agent database epoch of its
-- latest hello. last_status_json: its latest status frame (outbox backlog).
CREATE TABLE agents (
  id               TEXT    PRIMARY KEY,
  site             TEXT    NOT NULL,
  epoch            TEXT    NOT NULL,
  version          TEXT    NOT NULL,
  first_seen_ms    INTEGER NOT NULL,
  last_seen_ms     INTEGER NOT NULL,
  connected        INTEGER NOT NULL CHECK (connected IN (0, 1)),
  jobs_json        TEXT    NOT NULL,
  last_status_json TEXT
) STRICT;

-- Every epoch ever seen per agent.
CREATE TABLE epochs (
  agent_id      TEXT    NOT NULL,
  epoch         TEXT    NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  PRIMARY KEY (agent_id, epoch)
) STRICT, WITHOUT ROWID;

-- The highest seq committed per (agent, epoch). Epochs never merge.
CREATE TABLE high_water (
  agent_id      TEXT    NOT NULL,
  epoch         TEXT    NOT NULL,
  seq           INTEGER NOT NULL CHECK (seq >= 0),
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (agent_id, epoch)
) STRICT, WITHOUT ROWID;

-- The retained state: latest result per site/host/command topic and the
-- latest status per agent topic. data: plain MessagePack of the event data.
CREATE TABLE latest (
  topic   TEXT    PRIMARY KEY,
  site    TEXT    NOT NULL,
  kind    TEXT    NOT NULL CHECK (kind IN ('result', 'agent')),
  time_ms INTEGER NOT NULL,
  data    BLOB    NOT NULL
) STRICT;

CREATE TABLE audit (
  id             INTEGER PRIMARY KEY,
  agent_id       TEXT    NOT NULL,
  site           TEXT    NOT NULL,
  epoch          TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  time_ms        INTEGER NOT NULL,
  host           TEXT    NOT NULL,
  command        TEXT    NOT NULL,
  params_hash    TEXT    NOT NULL,
  source         TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  cache_hit      INTEGER NOT NULL CHECK (cache_hit IN (0, 1)),
  force_refresh  INTEGER NOT NULL CHECK (force_refresh IN (0, 1)),
  duration_ms    INTEGER NOT NULL,
  bytes          INTEGER NOT NULL,
  error_code     TEXT,
  error_message  TEXT,
  correlation_id TEXT    NOT NULL,
  received_at_ms INTEGER NOT NULL,
  UNIQUE (agent_id, epoch, seq)
) STRICT;
CREATE INDEX audit_time ON audit (time_ms);
CREATE INDEX audit_site_host_command_time ON audit (site, host, command, time_ms);

CREATE TABLE changes (
  id             INTEGER PRIMARY KEY,
  agent_id       TEXT    NOT NULL,
  site           TEXT    NOT NULL,
  epoch          TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  host           TEXT    NOT NULL,
  command        TEXT    NOT NULL,
  path           TEXT    NOT NULL,
  change         TEXT    NOT NULL,
  old_hash       TEXT,
  new_hash       TEXT,
  detected_at_ms INTEGER NOT NULL,
  correlation_id TEXT    NOT NULL,
  received_at_ms INTEGER NOT NULL,
  UNIQUE (agent_id, epoch, seq)
) STRICT;
CREATE INDEX changes_time ON changes (detected_at_ms);

-- Losses: gap records of the agent (reason agent_dropped), records the hub
-- refused (record_invalid, seq = that record) and ranges the hub never got
-- (hub_missing, source hub).
CREATE TABLE gaps (
  id              INTEGER PRIMARY KEY,
  agent_id        TEXT    NOT NULL,
  site            TEXT    NOT NULL,
  epoch           TEXT    NOT NULL,
  source          TEXT    NOT NULL CHECK (source IN ('agent', 'hub')),
  reason          TEXT    NOT NULL CHECK (reason IN ('agent_dropped', 'record_invalid', 'hub_missing')),
  seq             INTEGER,
  from_seq        INTEGER NOT NULL,
  to_seq          INTEGER NOT NULL,
  dropped_results INTEGER,
  dropped_bytes   INTEGER,
  detail          TEXT,
  detected_at_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX gaps_agent ON gaps (agent_id, epoch, from_seq);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up(db, nowMs) {
      db.exec(INITIAL_SCHEMA);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('app', META_APP);
      put.run('databaseId', randomBytes(16).toString('hex'));
      put.run('createdAtMs', String(nowMs));
    },
  },
];

export function readUserVersion(db: Database.Database): number {
  const value: unknown = db.pragma('user_version', { simple: true });
  return int({ user_version: value }, 'user_version', 'pragma user_version');
}

export function refuseNewer(version: number, migrations: readonly Migration[], path: string): void {
  const supported = migrations.at(-1)?.version ?? 0;
  if (version > supported) {
    throw new InfraError(
      'STORE_MIGRATION_FAILED',
      `the database ${path} has schema version ${version}, newer than this hub supports (${supported}); upgrade the hub or use another storage.path. The file was not changed.`,
      { details: { path, dbVersion: version, supportedVersion: supported } },
    );
  }
}

export function migrate(db: Database.Database, opts: { migrations: readonly Migration[]; nowMs: number; logger: Logger; path: string }): number[] {
  const current = readUserVersion(db);
  refuseNewer(current, opts.migrations, opts.path);
  const applied: number[] = [];
  opts.migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new InfraError('STORE_MIGRATION_FAILED', `migration list is not 1..n in order at position ${i}`);
    if (m.version <= current) return;
    try {
      db.transaction(() => {
        m.up(db, opts.nowMs);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      if (isCorruptionError(err)) throw err;
      throw new InfraError('STORE_MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed on ${opts.path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        details: { path: opts.path, version: m.version },
      });
    }
    applied.push(m.version);
    opts.logger.info({ event: 'store_migrated', path: opts.path, version: m.version, name: m.name }, `applied hub database migration ${m.version} (${m.name})`);
  });
  return applied;
}

/** Version 0 with tables in it, or meta.app of another application: not ours. */
export function checkOwnership(db: Database.Database, path: string, version: number): void {
  if (version === 0) {
    const n = int(asRow(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get(), 'sqlite_schema'), 'n', 'sqlite_schema');
    if (n > 0) throw new InfraError('STORE_OPEN_FAILED', `the database ${path} is not a hub database (tables but no hub schema version); the file was not changed`, { details: { path } });
    return;
  }
  const row: unknown = db.prepare("SELECT value FROM meta WHERE key = 'app'").get();
  const app = row === undefined ? undefined : asRow(row, 'meta')['value'];
  if (app !== META_APP) throw new InfraError('STORE_OPEN_FAILED', `the database ${path} does not belong to the hub (meta app = ${String(app)})`, { details: { path } });
}

/** SQLite result codes that mean "this file is damaged or not a database". */
export function isCorruptionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
