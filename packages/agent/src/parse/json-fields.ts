/**
 * Reading JSON command output (lsblk -J, ip -j, smartctl -j) safely: parse
 * into `unknown`, then pick typed fields with these readers. Nothing is cast.
 */
import { parseError } from './parse-error.js';

/** JSON.parse, or PARSE_FAILED naming the parser. Empty input is an error. */
export function parseJsonText(parser: string, text: string): unknown {
  if (text.trim() === '') throw parseError(parser, 'empty input, expected JSON', text);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw parseError(parser, `not valid JSON (${why})`, text);
  }
}

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** obj[key] if it is a non-empty string (trimmed), else null. */
export function stringField(obj: JsonRecord, key: string): string | null {
  const v = obj[key];
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/** obj[key] if it is a finite number, else null. */
export function numberField(obj: JsonRecord, key: string): number | null {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function booleanField(obj: JsonRecord, key: string): boolean | null {
  const v = obj[key];
  return typeof v === 'boolean' ? v : null;
}

export function recordField(obj: JsonRecord, key: string): JsonRecord | null {
  const v = obj[key];
  return isRecord(v) ? v : null;
}

export function arrayField(obj: JsonRecord, key: string): readonly unknown[] | null {
  const v = obj[key];
  return Array.isArray(v) ? v : null;
}

/** Follow a path of object keys; null as soon as one is missing. */
export function pathField(obj: JsonRecord, ...keys: string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (!isRecord(cur)) return null;
    cur = cur[k];
  }
  return cur === undefined ? null : cur;
}

export function pathNumber(obj: JsonRecord, ...keys: string[]): number | null {
  const v = pathField(obj, ...keys);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
