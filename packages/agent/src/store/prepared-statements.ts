/**
 * Prepared-statement scaffolding of the store classes: a store's SQL texts,
 * prepared once under their names, and the batched DELETE that age-based
 * retention runs (audit rows, result history).
 */
import type Database from 'better-sqlite3';
import { InfraError } from '@infrastructor/shared';

/** The statements of `sql`, under the same names. */
export type Prepared<Sql extends Record<string, string>> = { readonly [Name in keyof Sql]: Database.Statement };

/** Prepare every SQL text of `sql` (a store's, at construction). */
export function prepareAll<Sql extends Record<string, string>>(db: Database.Database, sql: Sql): Prepared<Sql> {
  return Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)])) as Prepared<Sql>;
}

export const DEFAULT_PRUNE_BATCH_SIZE = 1000;

/**
 * Deletes the rows of one table whose time column (epoch ms) is before a
 * cutoff, oldest first, `batchSize` rows per statement: each its own short
 * transaction, so writers interleave. The table needs an `id` key.
 */
export class RetentionPruner {
  readonly #deleteBatch: Database.Statement;

  /** `table` and `timeColumn` are SQL identifiers from the store's own code, never input. */
  constructor(db: Database.Database, table: string, timeColumn: string) {
    this.#deleteBatch = db.prepare(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${timeColumn} < ? ORDER BY ${timeColumn} LIMIT ?)`,
    );
  }

  /** Returns the number of rows deleted. */
  pruneOlderThan(cutoffMs: number, batchSize = DEFAULT_PRUNE_BATCH_SIZE): number {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InfraError('INTERNAL', `batchSize must be a positive integer, got ${batchSize}`);
    let total = 0;
    for (;;) {
      const deleted = this.#deleteBatch.run(cutoffMs, batchSize).changes;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
