import type { ParamValues, ParsedFile } from '../registry/command-spec.js';
import type { AuditEntry, AuditSource, ChangeEntry, FileChange, ResultEntry } from '../store/store-types.js';

// The records the service writes are defined once, by the store that keeps them.
export type { AuditEntry, AuditStatus, ChangeEntry, ResultEntry } from '../store/store-types.js';

export type CollectionSource = AuditSource;

export interface CollectOptions {
  /** Raw parameter values (from a request or the CLI); validated against the command. */
  params?: Readonly<Record<string, unknown>>;
  forceRefresh?: boolean;
  source: CollectionSource;
  /** Follows the collection through logs, audit and (later) the hub. Generated when absent. */
  correlationId?: string;
  signal?: AbortSignal;
}

/** What `collect()` resolves with. Failures reject with an InfraError. */
export interface CollectResult {
  host: string;
  command: string;
  params: ParamValues;
  paramsHash: string;
  status: 'success' | 'cached';
  cacheHit: boolean;
  data: unknown;
  collectedAtMs: number;
  durationMs: number;
  bytes: number;
  correlationId: string;
  source: CollectionSource;
  changes: readonly FileChange[];
}

/** Where the service writes: one transaction per call (store/collection-store.ts). */
export interface CollectionSink {
  previousFileHashes(host: string, command: string): ReadonlyMap<string, string>;
  record(entry: CollectionWriteEntry): void;
  /** Several collections in ONE transaction (a batch of one host's scheduled commands); all or nothing. Optional: else `record` each. */
  recordMany?(entries: readonly CollectionWriteEntry[]): void;
}

export interface CollectionWriteEntry {
  audit: AuditEntry;
  result?: ResultEntry;
  changes?: readonly ChangeEntry[];
  files?: readonly ParsedFile[];
}
