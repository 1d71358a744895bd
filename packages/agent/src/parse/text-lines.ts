/**
 * Small helpers for line-oriented text parsers (the /proc files, df):
 * splitting into lines whatever the line ending, and reading numbers
 * strictly (a token is a number or it is not; never a partial parse).
 */
import { parseError } from './parse-error.js';

/** Lines without their endings (LF or CRLF); a missing final newline is fine. */
export function textLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The whitespace-separated words of input that must be exactly one
 * non-blank line (/proc/loadavg, /proc/uptime, uname); PARSE_FAILED otherwise.
 */
export function singleLineWords(parser: string, text: string): string[] {
  const lines = textLines(text).filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw parseError(parser, `expected one line, got ${lines.length}`, text);
  return (lines[0] ?? '').trim().split(/\s+/);
}

/** A non-negative decimal integer that fits a double exactly, else undefined. */
export function readUint(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative decimal like "23535.50" or "7", else undefined. */
export function readDecimal(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d+(?:\.\d+)?$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isFinite(n) ? n : undefined;
}

/** Round to two decimals (percentages). */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
