/**
 * Shapes the store writes and reads. AuditEntry, ResultEntry, FileChange and
 * ChangeEntry are defined here, once: the collection service imports them
 * (service → store), and the store depends on nothing in the service.
 */
import type { ErrorCode } from '@infrastructor/shared';
import type { ParamValues } from '../registry/command-spec.js';

/** Milliseconds since the epoch. Injected; never read Date.now() in the store. */
export type Clock = () => number;

/** The part of a pino logger the store uses. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type AuditSource = 'schedule' | 'request' | 'cli';
export type AuditStatus = 'success' | 'cached' | 'error' | 'timeout';

export const AUDIT_SOURCES: readonly AuditSource[] = ['schedule', 'request', 'cli'];
export const AUDIT_STATUSES: readonly AuditStatus[] = ['success', 'cached', 'error', 'timeout'];

export interface AuditEntry {
  timeMs: number;
  host: string;
  command: string;
  paramsHash: string;
  source: AuditSource;
  status: AuditStatus;
  cacheHit: boolean;
  forceRefresh: boolean;
  durationMs: number;
  bytes: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  correlationId: string;
}

/** An audit row as stored: the entry plus its row id and outbox seq. */
export interface AuditRow extends AuditEntry {
  id: number;
  seq: number;
}

export interface ResultEntry {
  host: string;
  command: string;
  paramsHash: string;
  params: ParamValues;
  collectedAtMs: number;
  durationMs: number;
  bytes: number;
  /** The parsed output; anything MessagePack can hold. */
  data: unknown;
  correlationId: string;
}

export interface StoredResult extends ResultEntry {
  seq: number;
}

export type ChangeKind = 'created' | 'modified' | 'deleted';

export interface FileChange {
  path: string;
  change: ChangeKind;
  oldHash: string | null;
  newHash: string | null;
}

export interface ChangeEntry extends FileChange {
  host: string;
  command: string;
  detectedAtMs: number;
  correlationId: string;
}

/** A file seen by a file-based command now (registry/command-spec.ts ParsedFile). */
export interface CurrentFile {
  path: string;
  hash: string;
}
