/**
 * Everything read back from SQLite (or decoded from a stored payload) is
 * `unknown` until checked here. A failed check means the file holds
 * something this code did not write: it fails with INTERNAL naming the
 * field, never returns a half-typed value. Used by the agent's and the hub's
 * stores (each `store/row-validate.ts` re-exports these).
 */
import { InfraError, isErrorCode, type ErrorCode } from './errors.js';

export type Row = Readonly<Record<string, unknown>>;

function bad(where: string, field: string, value: unknown): InfraError {
  const shown = value instanceof Uint8Array ? `<${value.byteLength} bytes>` : typeof value;
  return new InfraError('INTERNAL', `stored ${where} has an invalid ${field} (${shown})`, { details: { where, field } });
}

export function asRow(value: unknown, where: string): Row {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, 'row', value);
  return value as Row;
}

export function int(row: Row, field: string, where: string): number {
  const v = row[field];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
  throw bad(where, field, v);
}

export function intOrNull(row: Row, field: string, where: string): number | null {
  return row[field] === null ? null : int(row, field, where);
}

export function num(row: Row, field: string, where: string): number {
  const v = row[field];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw bad(where, field, v);
}

export function str(row: Row, field: string, where: string): string {
  const v = row[field];
  if (typeof v === 'string') return v;
  throw bad(where, field, v);
}

export function strOrNull(row: Row, field: string, where: string): string | null {
  return row[field] === null ? null : str(row, field, where);
}

export function bool(row: Row, field: string, where: string): boolean {
  const v = row[field];
  if (typeof v === 'boolean') return v;
  throw bad(where, field, v);
}

/** An INTEGER column holding 0 or 1. */
export function bool01(row: Row, field: string, where: string): boolean {
  const v = int(row, field, where);
  if (v === 0) return false;
  if (v === 1) return true;
  throw bad(where, field, v);
}

export function blob(row: Row, field: string, where: string): Buffer {
  const v = row[field];
  if (Buffer.isBuffer(v)) return v;
  throw bad(where, field, v);
}

export function oneOf<T extends string>(row: Row, field: string, allowed: readonly T[], where: string): T {
  const v = row[field];
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw bad(where, field, v);
}

export function errorCodeOrNull(row: Row, field: string, where: string): ErrorCode | null {
  const v = row[field];
  if (v === null) return null;
  if (isErrorCode(v)) return v;
  throw bad(where, field, v);
}

/** A JSON text column parsed into `unknown` (validate it before use). */
export function json(row: Row, field: string, where: string): unknown {
  const text = str(row, field, where);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad(where, field, text);
  }
}
