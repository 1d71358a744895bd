/**
 * Shapes the store writes and reads. The records themselves (AuditEntry,
 * ResultEntry, FileChange, ChangeEntry) are wire data, defined once in
 * @infrastructor/shared (records.ts): the agent stores and streams them, the
 * hub validates them. The collection service imports them from here.
 */
import type { AuditEntry, CollectionSource, ResultEntry } from '@infrastructor/shared';

export type {
  AuditEntry,
  AuditStatus,
  ChangeEntry,
  ChangeKind,
  FileChange,
  ResultEntry,
} from '@infrastructor/shared';
export { AUDIT_STATUSES, COLLECTION_SOURCES as AUDIT_SOURCES } from '@infrastructor/shared';
export type AuditSource = CollectionSource;

/** Milliseconds since the epoch. Injected; never read Date.now() in the store. */
export type Clock = () => number;

/** The part of a pino logger the store uses. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** An audit row as stored: the entry plus its row id and outbox seq. */
export interface AuditRow extends AuditEntry {
  id: number;
  seq: number;
}

export interface StoredResult extends ResultEntry {
  seq: number;
}

/** A file seen by a file-based command now (registry/command-spec.ts ParsedFile). */
export interface CurrentFile {
  path: string;
  hash: string;
}
