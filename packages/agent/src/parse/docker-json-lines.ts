import { parseError } from './parse-error.js';

/** One decoded line of a `--format '{{json .}}'` output. */
export interface JsonLine {
  /** 1-based line number in the input, for error messages. */
  lineNumber: number;
  fields: Readonly<Record<string, unknown>>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decode JSON lines (one object per line, blank lines ignored). A line that
 * is not a JSON object fails the whole input, naming its line number.
 */
export function readJsonLines(parser: string, text: string): JsonLine[] {
  const out: JsonLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw parseError(parser, `line ${i + 1} is not valid JSON`, line);
    }
    if (!isRecord(value)) throw parseError(parser, `line ${i + 1} is not a JSON object`, line);
    out.push({ lineNumber: i + 1, fields: value });
  }
  return out;
}

/** A string field that must be present. */
export function requiredString(parser: string, line: JsonLine, key: string): string {
  const v = line.fields[key];
  if (typeof v !== 'string') {
    throw parseError(parser, `line ${line.lineNumber}: field ${key} is missing or not a string`, JSON.stringify(line.fields));
  }
  return v;
}

/** A string field that may be absent (null then); present but not a string fails. */
export function optionalString(parser: string, line: JsonLine, key: string): string | null {
  const v = line.fields[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    throw parseError(parser, `line ${line.lineNumber}: field ${key} is not a string`, JSON.stringify(line.fields));
  }
  return v;
}
