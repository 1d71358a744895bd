/** Helpers the services commands (docker, zfs, proxy, compose, systemd) share. */
import { InfraError } from '@infrastructor/shared';
import { sectionScript, type Section } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import type { ParamSpec, ParamValues } from '../command-spec.js';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;

/**
 * Non-login SSH shells often lack the sbin directories (where zpool and zfs
 * live on Debian/Ubuntu). Appended, so anything earlier on PATH still wins.
 */
export const SBIN_PATH_PREAMBLE = 'PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin"; export PATH';

/** Section `has-<tool>`: prints the tool's path; exit status non-zero when it is not installed. */
export function toolCheckScript(nonce: string, tool: string): string {
  if (!/^[a-z]+$/.test(tool)) throw new TypeError(`bad tool name ${tool}`);
  return sectionScript(nonce, `has-${tool}`, `command -v ${tool}`);
}

/** Shell condition that is true when the tool is installed. */
export function toolPresent(tool: string): string {
  if (!/^[a-z]+$/.test(tool)) throw new TypeError(`bad tool name ${tool}`);
  return `command -v ${tool} >/dev/null 2>&1`;
}

/**
 * The script of a command that runs one tool: the sbin PATH preamble, the
 * `has-<tool>` check, then `body` (section scripts) only where the tool is installed.
 */
export function ifToolInstalledScript(nonce: string, tool: string, body: readonly string[]): string {
  return [SBIN_PATH_PREAMBLE, toolCheckScript(nonce, tool), `if ${toolPresent(tool)}; then`, ...body, 'fi'].join('\n');
}

/** Whether the `has-<tool>` section says the tool is installed. */
export function toolInstalled(command: string, sections: readonly Section[], tool: string): boolean {
  const s = sections.find((x) => x.name === `has-${tool}`);
  if (!s) throw parseError(command, `missing section has-${tool}`, sections.map((x) => x.name).join(','));
  return s.exitCode === 0 && s.text.trim() !== '';
}

function stderrSnippet(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.slice(0, 5).join(' | ').slice(0, 500);
}

/** A tool that is installed but failed: EXEC_NONZERO_EXIT with its status and stderr. */
export function toolFailed(command: string, section: Section, stderr: string): InfraError {
  const why = stderrSnippet(stderr);
  return new InfraError(
    'EXEC_NONZERO_EXIT',
    `${command}: ${section.name} exited with status ${section.exitCode}${why === '' ? '' : `: ${why}`}`,
    { details: { command, section: section.name, exitCode: section.exitCode, stderr: stderr.slice(0, 2000) } },
  );
}

/** The section that must be there, whatever its exit status. */
export function section(command: string, sections: readonly Section[], name: string): Section {
  const s = sections.find((x) => x.name === name);
  if (!s) throw parseError(command, `missing section ${name}`, sections.map((x) => x.name).join(','));
  return s;
}

/** The text of a tool's section that must have succeeded; EXEC_NONZERO_EXIT (toolFailed) otherwise. */
export function toolOutput(command: string, sections: readonly Section[], name: string, stderr: string): string {
  const s = section(command, sections, name);
  if (s.exitCode !== 0) throw toolFailed(command, s, stderr);
  return s.text;
}

/**
 * An absolute directory path: starts with `/`, no `..` component, no glob
 * or shell metacharacters (spaces are allowed; the script quotes anyway).
 */
export const ABSOLUTE_DIR_PATTERN = '(?!.*(?:^|/)\\.\\.(?:/|$))/[A-Za-z0-9._@%+=:, /-]*';

export function dirsParam(description: string, defaults: readonly string[]): ParamSpec {
  return { type: 'list', pattern: ABSOLUTE_DIR_PATTERN, maxItems: 32, maxLength: 256, default: defaults, description };
}

export function listParam(params: ParamValues, name: string, fallback: readonly string[]): readonly string[] {
  const v = params[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fallback;
}

export function integerParam(params: ParamValues, name: string, fallback: number): number {
  const v = params[name];
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}

/** Tools the host does not have: an empty, explicit "not available" result rather than an error. */
export interface Availability {
  available: boolean;
  /** Why not, when not available. */
  reason: string | null;
}
