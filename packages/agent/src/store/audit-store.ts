/**
 * Audit rows: one per collection attempt (scheduled, requested or from the
 * CLI), successful or not, each with the seq of its outbox record. Pruned by
 * age (storage.auditRetentionMs); the outbox copy is independent and is
 * never dropped by the outbox cap.
 */
import type Database from 'better-sqlite3';
import { encode, parseAuditEntry } from '@infrastructor/shared';
import { AUDIT_SOURCES, AUDIT_STATUSES, type AuditEntry, type AuditRow } from './store-types.js';
import { asRow, bool, bool01, errorCodeOrNull, int, oneOf, roundNonNegative, str, strOrNull, type Row } from './row-validate.js';
import { DEFAULT_PRUNE_BATCH_SIZE, pruneInBatches } from './results-store.js';

/** Error messages longer than this are cut (with an ellipsis) before storing. */
export const AUDIT_ERROR_MESSAGE_MAX_CHARS = 2000;

export interface LastSuccess {
  host: string;
  command: string;
  timeMs: number;
  seq: number;
}

export class AuditStore {
  readonly #insert: Database.Statement;
  readonly #list: Database.Statement;
  readonly #listFor: Database.Statement;
  readonly #bySeq: Database.Statement;
  readonly #lastSuccesses: Database.Statement;
  readonly #recentErrors: Database.Statement;
  readonly #count: Database.Statement;
  readonly #pruneBatch: Database.Statement;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO audit (seq, time_ms, host, command, params_hash, source, status, cache_hit, force_refresh,
                          duration_ms, bytes, error_code, error_message, correlation_id)
       VALUES (@seq, @timeMs, @host, @command, @paramsHash, @source, @status, @cacheHit, @forceRefresh,
               @durationMs, @bytes, @errorCode, @errorMessage, @correlationId)`,
    );
    this.#list = db.prepare('SELECT * FROM audit ORDER BY time_ms DESC, id DESC LIMIT ?');
    this.#listFor = db.prepare('SELECT * FROM audit WHERE host = ? AND command = ? ORDER BY time_ms DESC, id DESC LIMIT ?');
    this.#bySeq = db.prepare('SELECT * FROM audit WHERE seq = ?');
    this.#lastSuccesses = db.prepare(
      `SELECT host, command, max(time_ms) AS time_ms, seq FROM audit WHERE status = 'success'
       GROUP BY host, command ORDER BY host, command`,
    );
    this.#recentErrors = db.prepare(
      `SELECT * FROM audit WHERE status IN ('error', 'timeout') AND time_ms >= ?
       ORDER BY time_ms DESC, id DESC LIMIT ?`,
    );
    this.#count = db.prepare('SELECT count(*) AS n FROM audit');
    this.#pruneBatch = db.prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time_ms < ? ORDER BY time_ms LIMIT ?)');
  }

  /** Store an audit row under its outbox seq; call inside the collection's transaction. Returns the row id. */
  insert(seq: number, entry: AuditEntry): number {
    const row = normalizeAudit(entry);
    const info = this.#insert.run({
      seq,
      ...row,
      cacheHit: row.cacheHit ? 1 : 0,
      forceRefresh: row.forceRefresh ? 1 : 0,
    });
    return Number(info.lastInsertRowid);
  }

  /** Newest first; optionally for one host/command. */
  list(options: { limit: number; host?: string; command?: string }): AuditRow[] {
    const rows: unknown[] =
      options.host !== undefined && options.command !== undefined
        ? this.#listFor.all(options.host, options.command, options.limit)
        : this.#list.all(options.limit);
    return rows.map((r) => toAuditRow(asRow(r, 'audit')));
  }

  getBySeq(seq: number): AuditRow | undefined {
    const row: unknown = this.#bySeq.get(seq);
    return row === undefined ? undefined : toAuditRow(asRow(row, 'audit'));
  }

  /** The newest successful collection per host/command (for `infra-agent status`). */
  lastSuccesses(): LastSuccess[] {
    return this.#lastSuccesses.all().map((raw) => {
      const row = asRow(raw, 'audit');
      return {
        host: str(row, 'host', 'audit'),
        command: str(row, 'command', 'audit'),
        timeMs: int(row, 'time_ms', 'audit'),
        seq: int(row, 'seq', 'audit'),
      };
    });
  }

  /** Failed attempts (error, timeout), newest first. */
  recentErrors(options: { limit: number; sinceMs?: number }): AuditRow[] {
    return this.#recentErrors.all(options.sinceMs ?? Number.MIN_SAFE_INTEGER, options.limit).map((r) => toAuditRow(asRow(r, 'audit')));
  }

  count(): number {
    return int(asRow(this.#count.get(), 'audit'), 'n', 'audit');
  }

  /** Delete rows older than `cutoffMs` in batches (each its own short transaction). Returns how many. */
  pruneOlderThan(cutoffMs: number, batchSize = DEFAULT_PRUNE_BATCH_SIZE): number {
    return pruneInBatches(this.#pruneBatch, cutoffMs, batchSize);
  }
}

/** Round durations, cut long messages: the exact values stored and sent. */
export function normalizeAudit(entry: AuditEntry): AuditEntry {
  const message = entry.errorMessage;
  return {
    timeMs: Math.round(entry.timeMs),
    host: entry.host,
    command: entry.command,
    paramsHash: entry.paramsHash,
    source: entry.source,
    status: entry.status,
    cacheHit: entry.cacheHit,
    forceRefresh: entry.forceRefresh,
    durationMs: roundNonNegative(entry.durationMs, 'durationMs'),
    bytes: roundNonNegative(entry.bytes, 'bytes'),
    errorCode: entry.errorCode,
    errorMessage:
      message !== null && message.length > AUDIT_ERROR_MESSAGE_MAX_CHARS ? `${message.slice(0, AUDIT_ERROR_MESSAGE_MAX_CHARS)}…` : message,
    correlationId: entry.correlationId,
  };
}

/** The outbox payload of an audit record. */
export function encodeAudit(entry: AuditEntry): Buffer {
  return encode(entry);
}

/** Validate a decoded audit payload (outbox record of kind 'audit'). */
export function parseAuditPayload(value: unknown): AuditEntry {
  return parseAuditEntry(value, 'INTERNAL');
}

function toAuditRow(row: Row): AuditRow {
  const where = 'audit';
  return {
    id: int(row, 'id', where),
    seq: int(row, 'seq', where),
    timeMs: int(row, 'time_ms', where),
    host: str(row, 'host', where),
    command: str(row, 'command', where),
    paramsHash: str(row, 'params_hash', where),
    source: oneOf(row, 'source', AUDIT_SOURCES, where),
    status: oneOf(row, 'status', AUDIT_STATUSES, where),
    cacheHit: bool01(row, 'cache_hit', where),
    forceRefresh: bool01(row, 'force_refresh', where),
    durationMs: int(row, 'duration_ms', where),
    bytes: int(row, 'bytes', where),
    errorCode: errorCodeOrNull(row, 'error_code', where),
    errorMessage: strOrNull(row, 'error_message', where),
    correlationId: str(row, 'correlation_id', where),
  };
}
