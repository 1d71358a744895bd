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
import { prepareAll, RetentionPruner, type Prepared } from './prepared-statements.js';

/** Error messages longer than this are cut (with an ellipsis) before storing. */
export const AUDIT_ERROR_MESSAGE_MAX_CHARS = 2000;

export interface LastSuccess {
  host: string;
  command: string;
  timeMs: number;
  seq: number;
}

const SQL = {
  insert: `INSERT INTO audit (seq, time_ms, host, command, params_hash, source, status, cache_hit, force_refresh,
                              duration_ms, bytes, error_code, error_message, correlation_id)
           VALUES (@seq, @timeMs, @host, @command, @paramsHash, @source, @status, @cacheHit, @forceRefresh,
                   @durationMs, @bytes, @errorCode, @errorMessage, @correlationId)`,
  list: 'SELECT * FROM audit ORDER BY time_ms DESC, id DESC LIMIT ?',
  listFor: 'SELECT * FROM audit WHERE host = ? AND command = ? ORDER BY time_ms DESC, id DESC LIMIT ?',
  bySeq: 'SELECT * FROM audit WHERE seq = ?',
  lastSuccesses: `SELECT host, command, max(time_ms) AS time_ms, seq FROM audit WHERE status = 'success'
                  GROUP BY host, command ORDER BY host, command`,
  recentErrors: `SELECT * FROM audit WHERE status IN ('error', 'timeout') AND time_ms >= ?
                 ORDER BY time_ms DESC, id DESC LIMIT ?`,
  count: 'SELECT count(*) AS n FROM audit',
};

export class AuditStore {
  readonly #sql: Prepared<typeof SQL>;
  readonly #pruner: RetentionPruner;

  constructor(db: Database.Database) {
    this.#sql = prepareAll(db, SQL);
    this.#pruner = new RetentionPruner(db, 'audit', 'time_ms');
  }

  /** Store an audit row under its outbox seq; call inside the collection's transaction. Returns the row id. */
  insert(seq: number, entry: AuditEntry): number {
    const row = normalizeAudit(entry);
    const info = this.#sql.insert.run({
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
        ? this.#sql.listFor.all(options.host, options.command, options.limit)
        : this.#sql.list.all(options.limit);
    return rows.map((r) => toAuditRow(asRow(r, 'audit')));
  }

  getBySeq(seq: number): AuditRow | undefined {
    const row: unknown = this.#sql.bySeq.get(seq);
    return row === undefined ? undefined : toAuditRow(asRow(row, 'audit'));
  }

  /** The newest successful collection per host/command (for `infra-agent status`). */
  lastSuccesses(): LastSuccess[] {
    return this.#sql.lastSuccesses.all().map((raw) => {
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
    return this.#sql.recentErrors.all(options.sinceMs ?? Number.MIN_SAFE_INTEGER, options.limit).map((r) => toAuditRow(asRow(r, 'audit')));
  }

  count(): number {
    return int(asRow(this.#sql.count.get(), 'audit'), 'n', 'audit');
  }

  /** Delete rows older than `cutoffMs` in batches (each its own short transaction). Returns how many. */
  pruneOlderThan(cutoffMs: number, batchSize?: number): number {
    return this.#pruner.pruneOlderThan(cutoffMs, batchSize);
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
