/**
 * The outbox: the agent's durable, bounded queue of records for the hub.
 * (Modelled on the OpenTelemetry collector's persistent queue: a record is
 * deleted only once the hub has acknowledged it.)
 *
 * SEQUENCE NUMBERS
 * - Every record (result, audit, change, gap) gets a `seq` from the outbox
 *   table's AUTOINCREMENT key, in the same transaction that stores the record
 *   and whatever it describes (audit row, result row, file hashes).
 * - Seqs strictly increase and are never reused: not after the outbox
 *   empties, not after a restart (sqlite_sequence keeps the high mark, and it
 *   is written in the same transaction). A rolled-back transaction consumes
 *   no seq, so committed seqs are dense: 1, 2, 3, ... with no holes.
 * - `(epoch, seq)` identifies a record. The epoch (meta table) is random and
 *   created with the database; a database moved aside as corrupt is replaced
 *   by one with a new epoch whose seqs start at 1 again.
 *
 * DELIVERY
 * - `peek({ afterSeq, maxRecords, maxBytes })` reads records in seq order
 *   without removing them; it always returns at least one record when one
 *   exists after `afterSeq`, even one larger than `maxBytes`, so an oversized
 *   record cannot stall the stream.
 * - `ack(uptoSeq)` is cumulative: it deletes every record with seq ≤ uptoSeq.
 *   Acking the same or a lower seq again is a no-op; acking above `lastSeq()`
 *   is refused (the hub cannot have seen it).
 *
 * CAPACITY POLICY (outboxMaxBytes, outboxMaxAgeMs)
 * - Sizes count payload bytes (`size_bytes`), not SQLite overhead.
 * - Audit, change and gap records are NEVER dropped.
 * - Result records are dropped oldest-seq-first while (a) the oldest result
 *   is older than maxAgeMs, or (b) the outbox is over maxBytes (see
 *   hysteresis). Drops always take a prefix of the remaining results in seq
 *   order, so after a drop no result with a seq ≤ the gap's `toSeq` is left
 *   and gap ranges never overlap.
 * - Each pass that drops anything appends ONE `gap` record (with its own new
 *   seq) saying how many results were dropped, which seq range they spanned
 *   (`fromSeq`..`toSeq`, inclusive), their bytes and why. A gap is never
 *   merged into or rewritten as an earlier gap (the stream may have sent that
 *   one already). So the invariant holds: every committed seq is delivered,
 *   or is a result inside exactly one gap's range. Within a gap's range, the
 *   seqs not delivered are exactly its dropped results; non-result records
 *   in the range are still delivered.
 * - Hysteresis: a pass that starts over maxBytes frees down to
 *   OUTBOX_LOW_WATER_FRACTION (90 %) of maxBytes, so while the hub is away one
 *   gap covers many results rather than each write adding a gap of its own
 *   (gaps are never dropped, so they must stay rare). Age drops free only
 *   what is expired. Either way enough is freed for the gap record to fit.
 *   The only exception is the cap not being reachable at all (below).
 * - When only never-dropped records remain and the outbox is still over a cap,
 *   everything is kept: `stats().overCapacity` is true, the pass is counted
 *   in `overCapacityPassesTotal`, and one warn line is logged per transition.
 * - WHERE: the cap is enforced INSIDE the write transaction, after the new
 *   records are inserted (collection-store.ts and `append`). The records,
 *   the drops and the gap commit together or not at all. A new result bigger
 *   than the cap is therefore dropped at once and reported in the gap.
 *   `enforceCaps()` runs the same pass on its own (age caps while idle).
 */
import type Database from 'better-sqlite3';
import { encode, InfraError, parseGapPayload as parseSharedGapPayload, storeWriteError, type GapPayload, type GapReason } from '@infrastructor/shared';
import type { Clock, StoreLogger } from './store-types.js';
import { asRow, blob, int, oneOf, str, type Row } from './row-validate.js';
import { relaxedSync, type RelaxedRunner } from './relaxed-sync.js';

export type OutboxKind = 'result' | 'audit' | 'change' | 'gap';
export const OUTBOX_KINDS: readonly OutboxKind[] = ['result', 'audit', 'change', 'gap'];

export interface OutboxRecord {
  seq: number;
  kind: OutboxKind;
  createdAtMs: number;
  sizeBytes: number;
  /** Plain MessagePack (codec.ts `encode`); decode with `decode`. */
  payload: Buffer;
}

export type { GapPayload, GapReason } from '@infrastructor/shared';

export interface PeekOptions {
  /** Return records with seq > afterSeq. Default 0. */
  afterSeq?: number;
  maxRecords: number;
  /** Stop before a record that would exceed this (the first record is always returned). */
  maxBytes: number;
}

export interface OutboxStats {
  count: number;
  bytes: number;
  oldestSeq: number | null;
  newestSeq: number | null;
  /** now − createdAtMs of the oldest record; null when empty. */
  oldestAgeMs: number | null;
  lastSeq: number;
  /** Over maxBytes or holding records older than maxAgeMs that the policy may not drop. */
  overCapacity: boolean;
  droppedResultsTotal: number;
  droppedBytesTotal: number;
  gapRecordsTotal: number;
  overCapacityPassesTotal: number;
}

export interface CapOutcome {
  droppedResults: number;
  droppedBytes: number;
  gapSeq: number | null;
  overCapacity: boolean;
}

export interface OutboxOptions {
  db: Database.Database;
  logger: StoreLogger;
  clock: Clock;
  maxBytes: number;
  maxAgeMs: number;
  epoch: string;
}

/**
 * When a write takes the outbox over maxBytes, results are dropped until it
 * is at or below this fraction of maxBytes (gap record included).
 */
export const OUTBOX_LOW_WATER_FRACTION = 0.9;

/** An upper bound on the size of a gap record's payload. */
const GAP_RESERVE_BYTES =
  encode({
    droppedResults: Number.MAX_SAFE_INTEGER,
    droppedBytes: Number.MAX_SAFE_INTEGER,
    fromSeq: Number.MAX_SAFE_INTEGER,
    toSeq: Number.MAX_SAFE_INTEGER,
    reasons: ['maxBytes', 'maxAgeMs'],
  } satisfies GapPayload).byteLength + 16;

export class Outbox {
  readonly epoch: string;
  readonly #db: Database.Database;
  readonly #logger: StoreLogger;
  readonly #clock: Clock;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  #overCapacityLogged = false;
  #dropping = false;
  #droppedThisEpisode = 0;

  readonly #insert: Database.Statement<[string, number, number, Buffer]>;
  readonly #peek: Database.Statement<[number]>;
  readonly #deleteUpTo: Database.Statement<[number]>;
  readonly #sizeUpTo: Database.Statement<[number]>;
  readonly #subtractTotals: Database.Statement<[number, number]>;
  readonly #raiseAckedThrough: Database.Statement<[{ text: string; seq: number }]>;
  readonly #readAckedThrough: Database.Statement;
  readonly #lastSeq: Database.Statement<[]>;
  readonly #totals: Database.Statement<[]>;
  readonly #oldest: Database.Statement<[]>;
  readonly #newest: Database.Statement<[]>;
  readonly #resultsInOrder: Database.Statement<[]>;
  readonly #deleteResults: Database.Statement<[number, number]>;
  readonly #countDrop: Database.Statement<[number, number]>;
  readonly #countOverCapacity: Database.Statement<[]>;
  readonly #append: (kind: Exclude<OutboxKind, 'gap'>, payload: Uint8Array) => number;
  readonly #enforce: () => CapOutcome;
  readonly #ackTx: (uptoSeq: number) => number;
  readonly #relaxed: RelaxedRunner;

  constructor(options: OutboxOptions) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) {
      throw new InfraError('CONFIG_INVALID', `outboxMaxBytes must be a positive integer, got ${options.maxBytes}`);
    }
    if (!Number.isSafeInteger(options.maxAgeMs) || options.maxAgeMs <= 0) {
      throw new InfraError('CONFIG_INVALID', `outboxMaxAgeMs must be a positive integer, got ${options.maxAgeMs}`);
    }
    const db = options.db;
    this.#db = db;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#maxBytes = options.maxBytes;
    this.#maxAgeMs = options.maxAgeMs;
    this.epoch = options.epoch;

    this.#insert = db.prepare('INSERT INTO outbox (kind, created_at_ms, size_bytes, payload) VALUES (?, ?, ?, ?)');
    this.#peek = db.prepare('SELECT seq, kind, created_at_ms, size_bytes, payload FROM outbox WHERE seq > ? ORDER BY seq');
    this.#deleteUpTo = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    // Deletes keep outbox_totals right themselves (migration 2): what a delete removes is summed first, in its transaction.
    this.#sizeUpTo = db.prepare('SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes FROM outbox WHERE seq <= ?');
    this.#subtractTotals = db.prepare('UPDATE outbox_totals SET count = count - ?, bytes = bytes - ? WHERE id = 1');
    // Monotonic: a lower ack never lowers it.
    this.#raiseAckedThrough = db.prepare(
      `INSERT INTO meta (key, value) VALUES ('ackedThroughSeq', @text)
       ON CONFLICT (key) DO UPDATE SET value = @text WHERE CAST(value AS INTEGER) < @seq`,
    );
    this.#readAckedThrough = db.prepare("SELECT value FROM meta WHERE key = 'ackedThroughSeq'");
    this.#lastSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
    this.#totals = db.prepare('SELECT * FROM outbox_totals WHERE id = 1');
    this.#oldest = db.prepare('SELECT seq, created_at_ms FROM outbox ORDER BY seq LIMIT 1');
    this.#newest = db.prepare('SELECT seq FROM outbox ORDER BY seq DESC LIMIT 1');
    this.#resultsInOrder = db.prepare("SELECT seq, created_at_ms, size_bytes FROM outbox WHERE kind = 'result' ORDER BY seq");
    this.#deleteResults = db.prepare("DELETE FROM outbox WHERE kind = 'result' AND seq BETWEEN ? AND ?");
    this.#countDrop = db.prepare(
      'UPDATE outbox_totals SET dropped_results = dropped_results + ?, dropped_bytes = dropped_bytes + ?, gap_records = gap_records + 1 WHERE id = 1',
    );
    this.#countOverCapacity = db.prepare('UPDATE outbox_totals SET over_capacity_passes = over_capacity_passes + 1 WHERE id = 1');

    this.#append = db.transaction((kind: Exclude<OutboxKind, 'gap'>, payload: Uint8Array) => {
      const seq = this.insertInTransaction(kind, payload);
      this.enforceCapsInTransaction();
      return seq;
    });
    this.#enforce = db.transaction(() => this.enforceCapsInTransaction());
    this.#ackTx = db.transaction((uptoSeq: number) => {
      this.#raiseAckedThrough.run({ text: String(uptoSeq), seq: uptoSeq });
      const size = asRow(this.#sizeUpTo.get(uptoSeq), 'outbox');
      const deleted = this.#deleteUpTo.run(uptoSeq).changes;
      if (deleted !== int(size, 'n', 'outbox')) throw new InfraError('INTERNAL', `outbox ack expected to delete ${int(size, 'n', 'outbox')} records, deleted ${deleted}`);
      if (deleted > 0) this.#subtractTotals.run(deleted, int(size, 'bytes', 'outbox'));
      return deleted;
    });
    this.#relaxed = relaxedSync(db);
  }

  /** Append one record in its own transaction (or the caller's) and enforce the caps. Returns its seq. */
  append(kind: Exclude<OutboxKind, 'gap'>, payload: Uint8Array): number {
    assertKind(kind);
    return this.#append(kind, payload);
  }

  /**
   * Insert a record WITHOUT enforcing the caps. Only inside a transaction
   * that calls `enforceCapsInTransaction()` before it commits
   * (collection-store.ts). Returns the new seq.
   */
  insertInTransaction(kind: OutboxKind, payload: Uint8Array): number {
    if (!this.#db.inTransaction) throw new InfraError('INTERNAL', 'Outbox.insertInTransaction called outside a transaction');
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const info = this.#insert.run(kind, this.#clock(), bytes.byteLength, bytes);
    return toSafeInt(info.lastInsertRowid, 'outbox seq');
  }

  /** Run the capacity policy on its own transaction (e.g. on a timer, so age caps apply while idle). */
  enforceCaps(): CapOutcome {
    return this.#enforce();
  }

  /** The capacity pass (see the file comment). Must run inside a transaction. */
  enforceCapsInTransaction(): CapOutcome {
    if (!this.#db.inTransaction) throw new InfraError('INTERNAL', 'Outbox.enforceCapsInTransaction called outside a transaction');
    const now = this.#clock();
    const cutoffMs = now - this.#maxAgeMs;
    let bytes = this.#readTotals().bytes;
    const overAtStart = bytes > this.#maxBytes;
    // Over maxBytes: free down to the low-water mark, so one gap covers many
    // results instead of one gap per write while the hub is away.
    const targetBytes = overAtStart ? Math.floor(this.#maxBytes * OUTBOX_LOW_WATER_FRACTION) : this.#maxBytes;
    let droppedResults = 0;
    let droppedBytes = 0;
    let fromSeq = 0;
    let toSeq = 0;
    const reasons = new Set<GapReason>();

    for (const raw of this.#resultsInOrder.iterate()) {
      const row = asRow(raw, 'outbox');
      const expired = int(row, 'created_at_ms', 'outbox') < cutoffMs;
      // Once anything is dropped a gap record follows: it has to fit as well.
      const overBytes = (droppedResults > 0 || overAtStart) && bytes + GAP_RESERVE_BYTES > targetBytes;
      if (!expired && !overBytes) break;
      const seq = int(row, 'seq', 'outbox');
      const size = int(row, 'size_bytes', 'outbox');
      reasons.add(expired ? 'maxAgeMs' : 'maxBytes');
      if (droppedResults === 0) fromSeq = seq;
      toSeq = seq;
      droppedResults += 1;
      droppedBytes += size;
      bytes -= size;
    }

    let gapSeq: number | null = null;
    if (droppedResults > 0) {
      const deleted = this.#deleteResults.run(fromSeq, toSeq).changes;
      if (deleted !== droppedResults) {
        throw new InfraError('INTERNAL', `outbox cap pass expected to drop ${droppedResults} results, dropped ${deleted}`);
      }
      this.#subtractTotals.run(deleted, droppedBytes);
      const gap: GapPayload = { droppedResults, droppedBytes, fromSeq, toSeq, reasons: [...reasons].sort() };
      gapSeq = this.insertInTransaction('gap', encode(gap));
      this.#countDrop.run(droppedResults, droppedBytes);
    }

    const overCapacity = this.#isOverCapacity(now);
    if (overCapacity) this.#countOverCapacity.run();
    this.#noteCapacity(overCapacity, droppedResults, gapSeq);
    return { droppedResults, droppedBytes, gapSeq, overCapacity };
  }

  /** Records after `afterSeq` in seq order, bounded by count and bytes. */
  peek(options: PeekOptions): OutboxRecord[] {
    const afterSeq = options.afterSeq ?? 0;
    checkInt(afterSeq, 'afterSeq', 0);
    checkInt(options.maxRecords, 'maxRecords', 1);
    checkInt(options.maxBytes, 'maxBytes', 1);
    const out: OutboxRecord[] = [];
    let bytes = 0;
    for (const raw of this.#peek.iterate(afterSeq)) {
      const record = toRecord(asRow(raw, 'outbox'));
      if (out.length > 0 && bytes + record.sizeBytes > options.maxBytes) break;
      out.push(record);
      bytes += record.sizeBytes;
      if (out.length >= options.maxRecords) break;
    }
    return out;
  }

  /** Cumulative ack: delete every record with seq ≤ uptoSeq. Returns how many were deleted. */
  ack(uptoSeq: number): number {
    checkInt(uptoSeq, 'uptoSeq', 0);
    const last = this.lastSeq();
    if (uptoSeq > last) {
      throw new InfraError('INTERNAL', `ack of seq ${uptoSeq} is beyond the last seq ${last} of this outbox (epoch ${this.epoch})`, {
        details: { uptoSeq, lastSeq: last, epoch: this.epoch },
      });
    }
    // Committed without waiting for the disk (relaxed-sync.ts): losing an
    // ack in a power cut only means records the hub has are sent again.
    let deleted: number;
    try {
      deleted = this.#relaxed(() => this.#ackTx(uptoSeq));
    } catch (err) {
      throw storeWriteError(err, this.#db.name);
    }
    if (deleted > 0) this.#noteAck();
    return deleted;
  }

  /**
   * The highest seq the hub has ever acknowledged to this outbox (0: none).
   * Everything at or below it was deleted because the hub had it; a hub
   * that later claims less has lost data (see the hub link's welcome).
   */
  ackedThrough(): number {
    const row: unknown = this.#readAckedThrough.get();
    if (row === undefined) return 0;
    const n = Number(str(asRow(row, 'meta'), 'value', 'meta ackedThroughSeq'));
    if (!Number.isSafeInteger(n) || n < 0) throw new InfraError('INTERNAL', 'meta ackedThroughSeq is malformed');
    return n;
  }

  #noteAck(): void {
    if (!this.#dropping || this.#readTotals().bytes > Math.floor(this.#maxBytes * OUTBOX_LOW_WATER_FRACTION)) return;
    this.#logger.info(
      { event: 'outbox_stopped_dropping', droppedResults: this.#droppedThisEpisode },
      `the hub caught up; outbox stopped dropping results (${this.#droppedThisEpisode} dropped, each reported in a gap record)`,
    );
    this.#dropping = false;
    this.#droppedThisEpisode = 0;
  }

  /** The highest seq ever assigned (0 before the first record); survives acks and restarts. */
  lastSeq(): number {
    const row: unknown = this.#lastSeq.get();
    return row === undefined ? 0 : int(asRow(row, 'sqlite_sequence'), 'seq', 'sqlite_sequence');
  }

  stats(): OutboxStats {
    const now = this.#clock();
    const totals = this.#readTotals();
    const oldestRow: unknown = this.#oldest.get();
    const newestRow: unknown = this.#newest.get();
    const oldest = oldestRow === undefined ? undefined : asRow(oldestRow, 'outbox');
    const oldestCreatedAtMs = oldest === undefined ? null : int(oldest, 'created_at_ms', 'outbox');
    return {
      count: totals.count,
      bytes: totals.bytes,
      oldestSeq: oldest === undefined ? null : int(oldest, 'seq', 'outbox'),
      newestSeq: newestRow === undefined ? null : int(asRow(newestRow, 'outbox'), 'seq', 'outbox'),
      oldestAgeMs: oldestCreatedAtMs === null ? null : Math.max(0, now - oldestCreatedAtMs),
      lastSeq: this.lastSeq(),
      overCapacity: this.#isOverCapacity(now),
      droppedResultsTotal: totals.droppedResults,
      droppedBytesTotal: totals.droppedBytes,
      gapRecordsTotal: totals.gapRecords,
      overCapacityPassesTotal: totals.overCapacityPasses,
    };
  }

  #isOverCapacity(now: number): boolean {
    if (this.#readTotals().bytes > this.#maxBytes) return true;
    const oldest: unknown = this.#oldest.get();
    return oldest !== undefined && int(asRow(oldest, 'outbox'), 'created_at_ms', 'outbox') < now - this.#maxAgeMs;
  }

  /**
   * Log transitions only, so an offline hub does not produce a warn line per
   * write: a dropping episode ends when acks bring the outbox under the
   * low-water mark (see #noteAck).
   */
  #noteCapacity(overCapacity: boolean, droppedResults: number, gapSeq: number | null): void {
    if (droppedResults > 0) {
      this.#droppedThisEpisode += droppedResults;
      if (!this.#dropping) {
        this.#dropping = true;
        this.#logger.warn(
          { event: 'outbox_dropping_results', droppedResults, gapSeq, maxBytes: this.#maxBytes, maxAgeMs: this.#maxAgeMs },
          `outbox is full: dropping the oldest results and recording gaps (first gap record ${String(gapSeq)})`,
        );
      }
    }
    if (overCapacity && !this.#overCapacityLogged) {
      this.#overCapacityLogged = true;
      this.#logger.warn(
        { event: 'outbox_over_capacity', maxBytes: this.#maxBytes, maxAgeMs: this.#maxAgeMs },
        'outbox is over its cap with only audit, change and gap records left, which are never dropped; keeping them',
      );
    } else if (!overCapacity && this.#overCapacityLogged) {
      this.#overCapacityLogged = false;
      this.#logger.info({ event: 'outbox_within_capacity' }, 'outbox is within its cap again');
    }
  }

  #readTotals(): {
    count: number;
    bytes: number;
    droppedResults: number;
    droppedBytes: number;
    gapRecords: number;
    overCapacityPasses: number;
  } {
    const raw: unknown = this.#totals.get();
    if (raw === undefined) throw new InfraError('INTERNAL', 'outbox_totals row is missing');
    const row = asRow(raw, 'outbox_totals');
    return {
      count: int(row, 'count', 'outbox_totals'),
      bytes: int(row, 'bytes', 'outbox_totals'),
      droppedResults: int(row, 'dropped_results', 'outbox_totals'),
      droppedBytes: int(row, 'dropped_bytes', 'outbox_totals'),
      gapRecords: int(row, 'gap_records', 'outbox_totals'),
      overCapacityPasses: int(row, 'over_capacity_passes', 'outbox_totals'),
    };
  }
}

/** Validate a decoded gap payload (e.g. in tests or on the hub side). */
export function parseGapPayload(value: unknown): GapPayload {
  return parseSharedGapPayload(value, 'INTERNAL');
}

function toRecord(row: Row): OutboxRecord {
  const record: OutboxRecord = {
    seq: int(row, 'seq', 'outbox'),
    kind: oneOf(row, 'kind', OUTBOX_KINDS, 'outbox'),
    createdAtMs: int(row, 'created_at_ms', 'outbox'),
    sizeBytes: int(row, 'size_bytes', 'outbox'),
    payload: blob(row, 'payload', 'outbox'),
  };
  if (record.payload.byteLength !== record.sizeBytes) {
    throw new InfraError('INTERNAL', `outbox record ${record.seq} has ${record.payload.byteLength} payload bytes, size_bytes says ${record.sizeBytes}`);
  }
  return record;
}

function assertKind(kind: string): void {
  if (kind !== 'result' && kind !== 'audit' && kind !== 'change') {
    throw new InfraError('INTERNAL', `cannot append an outbox record of kind ${kind}`);
  }
}

function checkInt(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InfraError('INTERNAL', `${name} must be an integer ≥ ${min}, got ${String(value)}`, { details: { name } });
  }
}

function toSafeInt(value: number | bigint, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n)) throw new InfraError('INTERNAL', `${what} ${String(value)} is not a safe integer`);
  return n;
}
