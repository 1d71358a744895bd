import type { ErrorCode } from '@infrastructor/shared';
import type { FileChange } from './change-detector.js';
import type { ParamValues, ParsedFile } from '../registry/command-spec.js';

export type CollectionSource = 'schedule' | 'request' | 'cli';
export type AuditStatus = 'success' | 'cached' | 'error' | 'timeout';

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

export interface AuditEntry {
  timeMs: number;
  host: string;
  command: string;
  paramsHash: string;
  source: CollectionSource;
  status: AuditStatus;
  cacheHit: boolean;
  forceRefresh: boolean;
  durationMs: number;
  bytes: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  correlationId: string;
}

export interface ResultEntry {
  host: string;
  command: string;
  paramsHash: string;
  params: ParamValues;
  collectedAtMs: number;
  durationMs: number;
  bytes: number;
  data: unknown;
  correlationId: string;
}

export interface ChangeEntry extends FileChange {
  host: string;
  command: string;
  detectedAtMs: number;
  correlationId: string;
}

/** Where the service writes: one transaction per call (store/collection-store.ts). */
export interface CollectionSink {
  previousFileHashes(host: string, command: string): ReadonlyMap<string, string>;
  record(entry: { audit: AuditEntry; result?: ResultEntry; changes?: readonly ChangeEntry[]; files?: readonly ParsedFile[] }): void;
}
