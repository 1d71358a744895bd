/**
 * Opens the agent database and wires every store on it. The collection
 * service gets `collections` (its CollectionSink), the SSH layer `hostKeys`,
 * the hub stream `outbox`, `infra-agent status` `audit`/`results`/`outbox`.
 */
import type Database from 'better-sqlite3';
import { AuditStore } from './audit-store.js';
import { CollectionStore } from './collection-store.js';
import { openDatabase, readEpoch } from './database.js';
import { FileHashesStore } from './file-hashes-store.js';
import { SqliteHostKeyStore } from './host-key-store.js';
import { Outbox } from './outbox.js';
import { ResultsStore } from './results-store.js';
import type { Clock, StoreLogger } from './store-types.js';

export interface AgentStoreOptions {
  /** From AgentConfig.storage (path already resolved). */
  storage: {
    path: string;
    synchronous: 'FULL' | 'NORMAL';
    historyRetentionMs: number;
    auditRetentionMs: number;
    outboxMaxBytes: number;
    outboxMaxAgeMs: number;
  };
  logger: StoreLogger;
  clock: Clock;
  /** Rows per DELETE when pruning. Default 1000. */
  pruneBatchSize?: number;
  /** Largest result payload accepted (collection-store.ts); default: what fits one frame of the hub's default limit. */
  maxResultBytes?: number;
}

export interface PruneOutcome {
  historyRowsDeleted: number;
  auditRowsDeleted: number;
}

export interface AgentStore {
  readonly db: Database.Database;
  readonly path: string;
  readonly epoch: string;
  readonly outbox: Outbox;
  readonly results: ResultsStore;
  readonly audit: AuditStore;
  readonly fileHashes: FileHashesStore;
  readonly hostKeys: SqliteHostKeyStore;
  readonly collections: CollectionStore;
  /** Retention: delete history and audit rows older than their retention, in batches. Call on a timer. */
  pruneRetention(): PruneOutcome;
  /** Safe to call more than once. */
  close(): void;
}

export function openAgentStore(options: AgentStoreOptions): AgentStore {
  const { storage, logger, clock } = options;
  const db = openDatabase({ path: storage.path, synchronous: storage.synchronous, logger, clock });
  try {
    const epoch = readEpoch(db);
    const outbox = new Outbox({ db, logger, clock, epoch, maxBytes: storage.outboxMaxBytes, maxAgeMs: storage.outboxMaxAgeMs });
    const results = new ResultsStore(db);
    const audit = new AuditStore(db);
    const fileHashes = new FileHashesStore(db);
    const hostKeys = new SqliteHostKeyStore(db, clock);
    const collections = new CollectionStore({ db, outbox, results, audit, fileHashes, clock, ...(options.maxResultBytes !== undefined ? { maxResultBytes: options.maxResultBytes } : {}) });
    let closed = false;
    return {
      db,
      path: storage.path,
      epoch,
      outbox,
      results,
      audit,
      fileHashes,
      hostKeys,
      collections,
      pruneRetention() {
        const now = clock();
        return {
          historyRowsDeleted: results.pruneHistory(now - storage.historyRetentionMs, options.pruneBatchSize),
          auditRowsDeleted: audit.pruneOlderThan(now - storage.auditRetentionMs, options.pruneBatchSize),
        };
      },
      close() {
        if (closed) return;
        closed = true;
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
