/**
 * The one write path of a collection. `record()` stores, in ONE
 * transaction: the result (latest + history) and its outbox record, the
 * file-hash updates and one outbox record per change event, the audit row
 * and its outbox record, then runs the outbox cap pass. Any failure rolls
 * all of it back: nothing is half-written and no seq is consumed. SQLite
 * refusing the write (disk full, read-only, I/O error) is STORE_WRITE_FAILED
 * naming the file and the reason.
 *
 * Seq order inside one collection: result, changes (by the given order),
 * audit, then a gap record if the cap pass dropped anything.
 *
 * Structurally a `CollectionSink` (service/collection-types.ts).
 */
import type Database from 'better-sqlite3';
import { encode, InfraError, maxRecordBytes, storeWriteError } from '@infrastructor/shared';
import type { AuditStore } from './audit-store.js';
import { normalizeAudit } from './audit-store.js';
import type { FileHashesStore } from './file-hashes-store.js';
import type { Outbox } from './outbox.js';
import type { ResultsStore } from './results-store.js';
import type { AuditEntry, ChangeEntry, Clock, CurrentFile, ResultEntry } from './store-types.js';

export interface CollectionWrite {
  audit: AuditEntry;
  result?: ResultEntry;
  /** Change events to publish; also applied to the stored hashes when `files` is absent. */
  changes?: readonly ChangeEntry[];
  /** The complete current file set of a file-based command: the stored hashes become exactly this. */
  files?: readonly CurrentFile[];
}

export interface RecordedSeqs {
  resultSeq: number | null;
  changeSeqs: number[];
  auditSeq: number;
  auditId: number;
  /** Set when the cap pass in this transaction dropped results. */
  gapSeq: number | null;
}

export interface CollectionStoreOptions {
  db: Database.Database;
  outbox: Outbox;
  results: ResultsStore;
  audit: AuditStore;
  fileHashes: FileHashesStore;
  clock: Clock;
  /**
   * A result whose payload is larger is refused with RESULT_TOO_LARGE (the
   * collection is audited as that error): it could never be streamed, and a
   * record the hub refuses would hold up every record after it. Default: what
   * fits in one frame of the hub's default agentMaxPayloadBytes.
   */
  maxResultBytes?: number;
}

interface Prepared {
  audit: AuditEntry;
  auditPayload: Buffer;
  result: { entry: ResultEntry; payload: Buffer } | undefined;
  changes: { entry: ChangeEntry; payload: Buffer }[];
  files: readonly CurrentFile[] | undefined;
}

export class CollectionStore {
  readonly #o: CollectionStoreOptions;
  readonly #write: (p: Prepared) => RecordedSeqs;
  readonly #writeMany: (ps: readonly Prepared[]) => RecordedSeqs[];
  readonly #maxResultBytes: number;

  constructor(options: CollectionStoreOptions) {
    this.#o = options;
    this.#maxResultBytes = options.maxResultBytes ?? maxRecordBytes();
    this.#write = options.db.transaction((p: Prepared): RecordedSeqs => this.#writeInTransaction(p));
    this.#writeMany = options.db.transaction((ps: readonly Prepared[]): RecordedSeqs[] => ps.map((p) => this.#writeInTransaction(p)));
  }

  /** Stored path → hash of a host/command (what change detection compares against). */
  previousFileHashes(host: string, command: string): ReadonlyMap<string, string> {
    this.#assertOpen();
    return this.#o.fileHashes.hashesByPath(host, command);
  }

  /** Write one collection atomically; returns the seqs assigned. */
  record(write: CollectionWrite): RecordedSeqs {
    this.#assertOpen();
    // Validate and encode before the transaction: it then only does SQLite work.
    const prepared = prepare(write, this.#maxResultBytes);
    try {
      return this.#write(prepared);
    } catch (err) {
      throw storeWriteError(err, this.#o.db.name);
    }
  }

  /**
   * Write several collections in ONE transaction (one fsync instead of one
   * per collection): each gets exactly the seqs, rows and cap pass it would
   * get alone, in order. Any failure rolls all of them back.
   */
  recordMany(writes: readonly CollectionWrite[]): RecordedSeqs[] {
    this.#assertOpen();
    const prepared = writes.map((w) => prepare(w, this.#maxResultBytes));
    try {
      return this.#writeMany(prepared);
    } catch (err) {
      throw storeWriteError(err, this.#o.db.name);
    }
  }

  /** Alias of `record`. */
  recordCollection(write: CollectionWrite): RecordedSeqs {
    return this.record(write);
  }

  #writeInTransaction(p: Prepared): RecordedSeqs {
    const { outbox, results, audit, fileHashes } = this.#o;
    const now = this.#o.clock();
    let resultSeq: number | null = null;
    if (p.result) {
      resultSeq = outbox.insertInTransaction('result', p.result.payload);
      results.insert(resultSeq, p.result.entry, p.result.payload);
    }
    const { host, command } = p.audit;
    if (p.files) fileHashes.replaceAll(host, command, p.files, now);
    else if (p.changes.length > 0) fileHashes.applyChanges(host, command, p.changes.map((c) => c.entry), now);
    const changeSeqs = p.changes.map((c) => outbox.insertInTransaction('change', c.payload));
    const auditSeq = outbox.insertInTransaction('audit', p.auditPayload);
    const auditId = audit.insert(auditSeq, p.audit);
    const cap = outbox.enforceCapsInTransaction();
    return { resultSeq, changeSeqs, auditSeq, auditId, gapSeq: cap.gapSeq };
  }

  #assertOpen(): void {
    if (!this.#o.db.open) throw new InfraError('SHUTTING_DOWN', 'the agent database is closed');
  }
}

function prepare(write: CollectionWrite, maxResultBytes: number): Prepared {
  const audit = normalizeAudit(write.audit);
  const { host, command } = audit;
  const mismatch = (what: string, h: string, c: string): InfraError =>
    new InfraError('INTERNAL', `${what} is for ${h}/${c} but the audit is for ${host}/${command}`, { details: { host, command } });
  if (write.result && (write.result.host !== host || write.result.command !== command)) {
    throw mismatch('the result', write.result.host, write.result.command);
  }
  const changes = (write.changes ?? []).map((entry) => {
    if (entry.host !== host || entry.command !== command) throw mismatch(`the change of ${entry.path}`, entry.host, entry.command);
    checkChange(entry);
    return { entry, payload: encode(entry) };
  });
  const resultPayload = write.result ? encode(write.result) : undefined;
  if (resultPayload !== undefined && resultPayload.byteLength > maxResultBytes) {
    throw new InfraError(
      'RESULT_TOO_LARGE',
      `the result of ${command} on ${host} is ${resultPayload.byteLength} bytes encoded, more than the ${maxResultBytes} a record may have to reach the hub in one frame`,
      { details: { bytes: resultPayload.byteLength, maxResultBytes } },
    );
  }
  return {
    audit,
    auditPayload: encode(audit),
    result: write.result && resultPayload ? { entry: write.result, payload: resultPayload } : undefined,
    changes,
    files: write.files,
  };
}

function checkChange(c: ChangeEntry): void {
  const ok =
    (c.change === 'created' && c.oldHash === null && typeof c.newHash === 'string') ||
    (c.change === 'modified' && typeof c.oldHash === 'string' && typeof c.newHash === 'string') ||
    (c.change === 'deleted' && typeof c.oldHash === 'string' && c.newHash === null);
  if (!ok) {
    throw new InfraError('INTERNAL', `inconsistent file change for ${c.path}: ${String(c.change)} with oldHash/newHash ${String(c.oldHash)}/${String(c.newHash)}`, {
      details: { path: c.path, change: c.change },
    });
  }
}
