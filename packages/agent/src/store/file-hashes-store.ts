/**
 * The last known content hash of every file a file-based command reported,
 * per (host, command, path), for change detection. Updated in the
 * collection's transaction together with the change events it produced.
 */
import type Database from 'better-sqlite3';
import { asRow, int, str } from './row-validate.js';
import { prepareAll, type Prepared } from './prepared-statements.js';
import type { CurrentFile, FileChange } from './store-types.js';

export interface FileHashRow {
  path: string;
  hash: string;
  updatedAtMs: number;
}

const SQL = {
  getAll: 'SELECT path, hash, updated_at_ms FROM file_hashes WHERE host = ? AND command = ? ORDER BY path',
  upsert: `INSERT INTO file_hashes (host, command, path, hash, updated_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (host, command, path) DO UPDATE SET hash = excluded.hash, updated_at_ms = excluded.updated_at_ms`,
  delete: 'DELETE FROM file_hashes WHERE host = ? AND command = ? AND path = ?',
  deleteAll: 'DELETE FROM file_hashes WHERE host = ? AND command = ?',
};

export class FileHashesStore {
  readonly #sql: Prepared<typeof SQL>;

  constructor(db: Database.Database) {
    this.#sql = prepareAll(db, SQL);
  }

  /** Every stored file of a host/command, by path. */
  getAll(host: string, command: string): FileHashRow[] {
    return this.#sql.getAll.all(host, command).map((raw) => {
      const row = asRow(raw, 'file_hashes');
      return {
        path: str(row, 'path', 'file_hashes'),
        hash: str(row, 'hash', 'file_hashes'),
        updatedAtMs: int(row, 'updated_at_ms', 'file_hashes'),
      };
    });
  }

  /** path → hash, the shape change detection compares against. */
  hashesByPath(host: string, command: string): Map<string, string> {
    return new Map(this.getAll(host, command).map((r) => [r.path, r.hash]));
  }

  upsert(host: string, command: string, path: string, hash: string, nowMs: number): void {
    this.#sql.upsert.run(host, command, path, hash, Math.round(nowMs));
  }

  delete(host: string, command: string, path: string): boolean {
    return this.#sql.delete.run(host, command, path).changes > 0;
  }

  /**
   * Make the stored set for host/command exactly `files` (upsert each, delete
   * the rest). Call inside a transaction.
   */
  replaceAll(host: string, command: string, files: readonly CurrentFile[], nowMs: number): void {
    this.#sql.deleteAll.run(host, command);
    for (const f of files) this.upsert(host, command, f.path, f.hash, nowMs);
  }

  /** Apply change events: created/modified store newHash, deleted removes the row. Call inside a transaction. */
  applyChanges(host: string, command: string, changes: readonly FileChange[], nowMs: number): void {
    for (const c of changes) {
      if (c.change === 'deleted') this.delete(host, command, c.path);
      else if (c.newHash !== null) this.upsert(host, command, c.path, c.newHash, nowMs);
    }
  }
}
