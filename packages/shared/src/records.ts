/**
 * The records an agent stores and streams to the hub: one outbox record per
 * result, audit row, file change and gap. Defined once here: the agent's
 * store writes them, the hub validates them off the wire.
 */
import type { ErrorCode } from './errors.js';
import { Checker, type Fields } from './validate.js';

export type RecordKind = 'result' | 'audit' | 'change' | 'gap';
export const RECORD_KINDS: readonly RecordKind[] = ['result', 'audit', 'change', 'gap'];

export type CollectionSource = 'schedule' | 'request' | 'cli';
export type AuditStatus = 'success' | 'cached' | 'error' | 'timeout';
export const COLLECTION_SOURCES: readonly CollectionSource[] = ['schedule', 'request', 'cli'];
export const AUDIT_STATUSES: readonly AuditStatus[] = ['success', 'cached', 'error', 'timeout'];

export type ParamValue = string | number | readonly string[];
export type ParamValues = Readonly<Record<string, ParamValue>>;

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
  /** The parsed output; anything MessagePack can hold. */
  data: unknown;
  correlationId: string;
}

export type ChangeKind = 'created' | 'modified' | 'deleted';
export const CHANGE_KINDS: readonly ChangeKind[] = ['created', 'modified', 'deleted'];

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

export type GapReason = 'maxBytes' | 'maxAgeMs';

/** Results the agent's outbox dropped under its full policy. */
export interface GapPayload {
  droppedResults: number;
  droppedBytes: number;
  /** Inclusive seq range the dropped results spanned. */
  fromSeq: number;
  toSeq: number;
  reasons: GapReason[];
}

const NAME_MAX = 256;

export function parseAuditEntry(value: unknown, code: ErrorCode = 'FRAME_INVALID'): AuditEntry {
  const c = new Checker('audit record', code);
  const o = c.object(value);
  return {
    timeMs: c.number(o, 'timeMs'),
    host: c.string(o, 'host', { maxLength: NAME_MAX }),
    command: c.string(o, 'command', { maxLength: NAME_MAX }),
    paramsHash: c.string(o, 'paramsHash', { maxLength: 128 }),
    source: c.oneOf(o, 'source', COLLECTION_SOURCES),
    status: c.oneOf(o, 'status', AUDIT_STATUSES),
    cacheHit: c.boolean(o, 'cacheHit'),
    forceRefresh: c.boolean(o, 'forceRefresh'),
    durationMs: c.number(o, 'durationMs', { min: 0 }),
    bytes: c.number(o, 'bytes', { min: 0 }),
    errorCode: c.errorCodeOrNull(o, 'errorCode'),
    errorMessage: c.stringOrNull(o, 'errorMessage'),
    correlationId: c.string(o, 'correlationId', { maxLength: NAME_MAX }),
  };
}

export function parseResultEntry(value: unknown, code: ErrorCode = 'FRAME_INVALID'): ResultEntry {
  const c = new Checker('result record', code);
  const o = c.object(value);
  return {
    host: c.string(o, 'host', { maxLength: NAME_MAX }),
    command: c.string(o, 'command', { maxLength: NAME_MAX }),
    paramsHash: c.string(o, 'paramsHash', { maxLength: 128 }),
    params: c.params(o, 'params'),
    collectedAtMs: c.number(o, 'collectedAtMs'),
    durationMs: c.number(o, 'durationMs', { min: 0 }),
    bytes: c.number(o, 'bytes', { min: 0 }),
    data: o['data'],
    correlationId: c.string(o, 'correlationId', { maxLength: NAME_MAX }),
  };
}

export function parseChangeEntry(value: unknown, code: ErrorCode = 'FRAME_INVALID'): ChangeEntry {
  const c = new Checker('change record', code);
  const o = c.object(value);
  return {
    host: c.string(o, 'host', { maxLength: NAME_MAX }),
    command: c.string(o, 'command', { maxLength: NAME_MAX }),
    path: c.string(o, 'path', { maxLength: 4096 }),
    change: c.oneOf(o, 'change', CHANGE_KINDS),
    oldHash: c.stringOrNull(o, 'oldHash', { maxLength: 256 }),
    newHash: c.stringOrNull(o, 'newHash', { maxLength: 256 }),
    detectedAtMs: c.number(o, 'detectedAtMs'),
    correlationId: c.string(o, 'correlationId', { maxLength: NAME_MAX }),
  };
}

export function parseGapPayload(value: unknown, code: ErrorCode = 'FRAME_INVALID'): GapPayload {
  const c = new Checker('gap record', code);
  const o: Fields = c.object(value);
  const reasons = c.array(o, 'reasons', { maxItems: 2 }).map((r, i) => {
    if (r !== 'maxBytes' && r !== 'maxAgeMs') throw c.fail(`reasons[${i}]`, 'maxBytes or maxAgeMs', r);
    return r;
  });
  return {
    droppedResults: c.int(o, 'droppedResults', { min: 0 }),
    droppedBytes: c.int(o, 'droppedBytes', { min: 0 }),
    fromSeq: c.int(o, 'fromSeq', { min: 0 }),
    toSeq: c.int(o, 'toSeq', { min: 0 }),
    reasons,
  };
}
