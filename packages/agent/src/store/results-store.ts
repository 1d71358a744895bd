/**
 * Results: the latest one per (host, command, paramsHash) and a history of
 * every result, pruned by age (storage.historyRetentionMs).
 *
 * Both tables hold the same payload bytes as the result's outbox record
 * (plain MessagePack of the ResultEntry), written in the collection's
 * transaction. The latest row only moves forward: an older result written
 * after a newer one (two concurrent collections) does not replace it.
 * Latest rows are not pruned (one per key); history rows are.
 */
import type Database from 'better-sqlite3';
import { decode, parseResultEntry } from '@infrastructor/shared';
import type { ResultEntry, StoredResult } from './store-types.js';
import { asRow, blob, int, num, str, type Row } from './row-validate.js';
import { prepareAll, RetentionPruner, type Prepared } from './prepared-statements.js';

const SQL = {
  upsertLatest: `INSERT INTO results_latest (host, command, params_hash, seq, collected_at_ms, payload) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (host, command, params_hash) DO UPDATE SET
                   seq = excluded.seq, collected_at_ms = excluded.collected_at_ms, payload = excluded.payload
                 WHERE excluded.collected_at_ms >= results_latest.collected_at_ms`,
  insertHistory: 'INSERT INTO results_history (seq, host, command, params_hash, collected_at_ms, payload) VALUES (?, ?, ?, ?, ?, ?)',
  getLatest: 'SELECT seq, payload FROM results_latest WHERE host = ? AND command = ? AND params_hash = ?',
  listLatest: 'SELECT seq, payload FROM results_latest ORDER BY host, command, params_hash',
  listLatestForHost: 'SELECT seq, payload FROM results_latest WHERE host = ? ORDER BY command, params_hash',
  history: `SELECT seq, payload FROM results_history
            WHERE host = ? AND command = ? AND params_hash = ? AND collected_at_ms >= ?
            ORDER BY collected_at_ms DESC, seq DESC LIMIT ?`,
  countHistory: 'SELECT count(*) AS n FROM results_history',
};

export class ResultsStore {
  readonly #sql: Prepared<typeof SQL>;
  readonly #historyPruner: RetentionPruner;

  constructor(db: Database.Database) {
    this.#sql = prepareAll(db, SQL);
    this.#historyPruner = new RetentionPruner(db, 'results_history', 'collected_at_ms');
  }

  /**
   * Write a result under its outbox seq. `payload` is the encoded ResultEntry
   * (the same bytes as the outbox record). Call inside the collection's transaction.
   */
  insert(seq: number, result: ResultEntry, payload: Buffer): void {
    const collectedAtMs = Math.round(result.collectedAtMs);
    this.#sql.upsertLatest.run(result.host, result.command, result.paramsHash, seq, collectedAtMs, payload);
    this.#sql.insertHistory.run(seq, result.host, result.command, result.paramsHash, collectedAtMs, payload);
  }

  getLatest(host: string, command: string, paramsHash: string): StoredResult | undefined {
    const row: unknown = this.#sql.getLatest.get(host, command, paramsHash);
    return row === undefined ? undefined : toStored(asRow(row, 'results_latest'), 'results_latest');
  }

  /** Every latest result, or those of one host. */
  listLatest(host?: string): StoredResult[] {
    const rows: unknown[] = host === undefined ? this.#sql.listLatest.all() : this.#sql.listLatestForHost.all(host);
    return rows.map((r) => toStored(asRow(r, 'results_latest'), 'results_latest'));
  }

  /** History of one key, newest first. */
  history(host: string, command: string, paramsHash: string, options: { limit: number; sinceMs?: number }): StoredResult[] {
    const rows: unknown[] = this.#sql.history.all(host, command, paramsHash, options.sinceMs ?? Number.MIN_SAFE_INTEGER, options.limit);
    return rows.map((r) => toStored(asRow(r, 'results_history'), 'results_history'));
  }

  countHistory(): number {
    return int(asRow(this.#sql.countHistory.get(), 'results_history'), 'n', 'results_history');
  }

  /**
   * Delete history rows collected before `cutoffMs`, `batchSize` rows per
   * statement (each its own short transaction, so writers interleave).
   * Returns the number deleted.
   */
  pruneHistory(cutoffMs: number, batchSize?: number): number {
    return this.#historyPruner.pruneOlderThan(cutoffMs, batchSize);
  }
}

function toStored(row: Row, where: string): StoredResult {
  const seq = int(row, 'seq', where);
  return { ...parseResultPayload(decode(blob(row, 'payload', where))), seq };
}

/** Validate a decoded result payload (outbox record of kind 'result', or a results row). */
export function parseResultPayload(value: unknown): ResultEntry {
  return parseResultEntry(value, 'INTERNAL');
}
