/**
 * Retention: audit rows older than storage.auditRetentionMs and change
 * events older than storage.changeRetentionMs are deleted, 1000 rows per
 * statement (each its own short transaction, so ingest keeps writing).
 */
import type Database from 'better-sqlite3';

const CHUNK_ROWS = 1000;

export class Retention {
  readonly #audit: Database.Statement<[number]>;
  readonly #changes: Database.Statement<[number]>;

  constructor(db: Database.Database) {
    this.#audit = db.prepare(`DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time_ms < ? LIMIT ${CHUNK_ROWS})`);
    this.#changes = db.prepare(`DELETE FROM changes WHERE id IN (SELECT id FROM changes WHERE detected_at_ms < ? LIMIT ${CHUNK_ROWS})`);
  }

  prune(nowMs: number, auditRetentionMs: number, changeRetentionMs: number): { auditRows: number; changeRows: number } {
    return { auditRows: drain(this.#audit, nowMs - auditRetentionMs), changeRows: drain(this.#changes, nowMs - changeRetentionMs) };
  }
}

function drain(stmt: Database.Statement<[number]>, cutoffMs: number): number {
  let total = 0;
  for (;;) {
    const n = stmt.run(cutoffMs).changes;
    total += n;
    if (n < CHUNK_ROWS) return total;
  }
}
