/** Small helpers the system commands share for reading sectioned output and params. */
import { parseError } from '../../parse/parse-error.js';
import type { Section } from '../../parse/sections.js';
import type { ParamValues } from '../command-spec.js';

/** The text of a section that must have succeeded; PARSE_FAILED otherwise. */
export function okSectionText(command: string, sections: readonly Section[], name: string): string {
  const s = sections.find((x) => x.name === name);
  if (!s) throw parseError(command, `missing section ${name}`, sections.map((x) => x.name).join(','));
  if (s.exitCode !== 0) {
    const why = s.exitCode === 127 ? 'command not found' : `exit status ${s.exitCode}`;
    throw parseError(command, `section ${name} failed (${why})`, s.text);
  }
  return s.text;
}

/** A validated integer param, or its default when absent. */
export function integerParam(params: ParamValues, name: string, fallback: number): number {
  const v = params[name];
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}

/** A validated enum/string param, or its default when absent. */
export function stringParam(params: ParamValues, name: string, fallback: string): string {
  const v = params[name];
  return typeof v === 'string' ? v : fallback;
}

/** Non-empty stderr lines, capped, for a result's `warnings`. */
export function stderrWarnings(stderr: string, maxLines = 20): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, maxLines);
}

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
