/**
 * Reading config files off a host for the file-based commands
 * (proxy_configs, docker_compose, systemd unit files).
 *
 * The script walks shell globs (never `find` output, so any character in a
 * path is safe) and prints, per regular file, two sections:
 *
 *   path   "<group>\n<size in bytes, or ?>\n<path>"   (path last: it may hold newlines)
 *   file   the exact bytes, exit 0; exit 3 = not read, over maxFileBytes;
 *          other non-zero = cat failed (unreadable)
 *
 * Past maxFiles it prints one `truncated` section and stops reading.
 * The content hash is computed here from the section text (the bytes as the
 * transport decoded them, i.e. exact for UTF-8 files).
 */
import { createHash } from 'node:crypto';
import { isInfraError } from '@infrastructor/shared';
import { sectionScript, type Section } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import type { ParsedFile } from '../command-spec.js';
import { isRecord } from '../../parse/docker-json-lines.js';

export const FILE_TOO_LARGE_EXIT = 3;

export interface CollectFunctionOptions {
  nonce: string;
  /** Over the whole script: past this many files, one `truncated` section and no more reads. */
  maxFiles: number;
  maxFileBytes: number;
}

/**
 * Defines the shell function `infra_collect GROUP FIRST_ONLY PATH...` (and
 * its file counter); call it with collectCall(). The paths are the expanded
 * globs; unmatched patterns stay literal and are skipped by the -f test.
 */
export function collectFunctionScript(o: CollectFunctionOptions): string {
  if (!Number.isInteger(o.maxFiles) || !Number.isInteger(o.maxFileBytes)) throw new TypeError('limits must be integers');
  return [
    'infra_nfiles=0',
    'infra_collect() {',
    '  infra_group=$1; infra_first=$2; shift 2',
    '  for infra_f in "$@"; do',
    '    [ -f "$infra_f" ] || continue',
    '    infra_nfiles=$((infra_nfiles + 1))',
    `    if [ "$infra_nfiles" -gt ${o.maxFiles} ]; then`,
    `      ${sectionScript(o.nonce, 'truncated', 'printf "%s" "$infra_f"')}`,
    '      return 0',
    '    fi',
    `    infra_size=$(wc -c 2>/dev/null < "$infra_f" | tr -d ' \t')`,
    `    ${sectionScript(o.nonce, 'path', `printf '%s\n%s\n%s' "$infra_group" "\${infra_size:-?}" "$infra_f"`)}`,
    `    if [ -n "$infra_size" ] && [ "$infra_size" -gt ${o.maxFileBytes} ]; then`,
    `      ${sectionScript(o.nonce, 'file', `(exit ${FILE_TOO_LARGE_EXIT})`)}`,
    '    else',
    `      ${sectionScript(o.nonce, 'file', 'cat -- "$infra_f"')}`,
    '    fi',
    '    [ "$infra_first" = 1 ] && return 0',
    '  done',
    '  return 0',
    '}',
  ].join('\n');
}

/**
 * One call of infra_collect. `globs` are shell words: a quoted directory
 * and an unquoted glob tail, e.g. `'/srv/my stacks'/*.conf`.
 */
export function collectCall(group: string, globs: readonly string[], firstOnly = false): string {
  if (!/^[A-Za-z0-9_-]+$/.test(group)) throw new TypeError('bad group');
  if (globs.length === 0) return ':';
  return `infra_collect ${group} ${firstOnly ? 1 : 0} ${globs.join(' ')}`;
}

export interface CollectedFile {
  group: string;
  path: string;
  sizeBytes: number | null;
  /** null when not read (too large, unreadable). */
  text: string | null;
  readError: string | null;
}

export function readCollectedFiles(command: string, sections: readonly Section[]): { files: CollectedFile[]; truncated: boolean } {
  const files: CollectedFile[] = [];
  const seen = new Set<string>();
  let truncated = false;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i];
    if (!s) continue;
    if (s.name === 'truncated') truncated = true;
    if (s.name !== 'path') continue;
    const m = /^([A-Za-z0-9_-]+)\n([0-9]+|\?)\n([\s\S]+)$/.exec(s.text);
    if (!m) throw parseError(command, 'bad path section', s.text);
    const content = sections[i + 1];
    if (!content || content.name !== 'file') throw parseError(command, 'path section without its file section', s.text);
    i++;
    const path = m[3] ?? '';
    if (seen.has(path)) continue;
    seen.add(path);
    const sizeBytes = m[2] === '?' ? null : Number(m[2]);
    let readError: string | null = null;
    if (content.exitCode === FILE_TOO_LARGE_EXIT && content.text === '') readError = `not read: ${sizeBytes ?? '?'} bytes is over maxFileBytes`;
    else if (content.exitCode !== 0) readError = `cannot read the file (cat exited with status ${content.exitCode})`;
    files.push({ group: m[1] ?? '', path, sizeBytes, text: readError === null ? content.text : null, readError });
  }
  return { files, truncated };
}

export function sha256Of(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** One file of a file-based command's result. Exactly one of parsed / parseError / readError is non-null. */
export interface FileEntry<T> {
  path: string;
  /** "sha256:<hex>" of the content; null when the file could not be read. */
  hash: string | null;
  sizeBytes: number | null;
  parsed: T | null;
  /** Why the content could not be parsed (PARSE_FAILED message); the rest of the result is unaffected. */
  parseError: string | null;
  readError: string | null;
}

export function fileEntry<T>(f: CollectedFile, parse: (text: string) => T): FileEntry<T> {
  if (f.text === null) return { path: f.path, hash: null, sizeBytes: f.sizeBytes, parsed: null, parseError: null, readError: f.readError };
  const base = { path: f.path, hash: sha256Of(f.text), sizeBytes: f.sizeBytes, readError: null };
  try {
    return { ...base, parsed: parse(f.text), parseError: null };
  } catch (err) {
    if (!isInfraError(err) || err.code !== 'PARSE_FAILED') throw err;
    return { ...base, parsed: null, parseError: err.message };
  }
}

/** `files()` of a file-based command: every read file's path and hash, from a result with a `files` array. */
export function filesOfResult(parsed: unknown, key = 'files'): ParsedFile[] {
  if (!isRecord(parsed)) return [];
  const list = parsed[key];
  if (!Array.isArray(list)) return [];
  const out: ParsedFile[] = [];
  for (const item of list) {
    if (isRecord(item) && typeof item.path === 'string' && typeof item.hash === 'string') out.push({ path: item.path, hash: item.hash });
  }
  return out;
}
