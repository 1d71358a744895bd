/**
 * Commands that read the config files found by name in a list of
 * directories and a few levels below them (proxy_configs, docker_compose):
 * params, script and result shared by both. The files themselves are read
 * by services-file-collect.
 */
import { sectionScript, splitSections, type Section } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import { shellQuote } from '../shell-quote.js';
import type { ParamSpec, ParamValues } from '../command-spec.js';
import { integerParam, listParam } from './services-support.js';
import { collectCall, collectFunctionScript, fileEntry, readCollectedFiles, type FileEntry } from './services-file-collect.js';

/** What a command scans for; the numbers and `dirs` are its param defaults. */
export interface DirScan {
  /** infra_collect group of the files. */
  group: string;
  /** File-name globs looked for at each depth, e.g. `*.conf`. */
  fileNames: readonly string[];
  dirs: readonly string[];
  maxDepth: number;
  maxFiles: number;
  maxFileBytes: number;
}

export interface DirScanResult<T> {
  /** The requested directories that exist on the host. */
  existingDirs: string[];
  files: Array<FileEntry<T>>;
  /** More than maxFiles files were found; the rest were not read. */
  truncated: boolean;
}

/** `dir/*.conf` and deeper levels up to maxDepth, dir quoted, glob unquoted. */
export function depthGlobs(dirs: readonly string[], names: readonly string[], maxDepth: number): string[] {
  const out: string[] = [];
  for (const raw of dirs) {
    const dir = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    const prefix = dir === '/' ? '' : shellQuote(dir);
    for (let depth = 1; depth <= maxDepth; depth++) {
      for (const name of names) out.push(`${prefix}/${'*/'.repeat(depth - 1)}${name}`);
    }
  }
  return out;
}

/** The `maxFiles` and `maxFileBytes` params, defaulting to the scan's limits. */
export function fileLimitParams(scan: DirScan, max: { maxFiles: number; maxFileBytes: number }): { maxFiles: ParamSpec; maxFileBytes: ParamSpec } {
  return {
    maxFiles: { type: 'integer', min: 1, max: max.maxFiles, default: scan.maxFiles, description: 'Read at most this many files.' },
    maxFileBytes: {
      type: 'integer',
      min: 1024,
      max: max.maxFileBytes,
      default: scan.maxFileBytes,
      description: 'Skip (report, not read) files larger than this.',
    },
  };
}

/**
 * Section `dirs`: which of the (validated, newline-free) directories exist.
 * Always printed, so a host with none of them still gives sectioned output.
 */
function existingDirsScript(nonce: string, dirs: readonly string[]): string {
  const words = dirs.map((d) => shellQuote(d)).join(' ');
  return sectionScript(nonce, 'dirs', dirs.length === 0 ? ':' : `for infra_d in ${words}; do [ -d "$infra_d" ] && printf '%s\\n' "$infra_d"; done; :`);
}

function readExistingDirs(command: string, sections: readonly Section[]): string[] {
  const s = sections.find((x) => x.name === 'dirs');
  if (!s) throw parseError(command, 'missing section dirs', sections.map((x) => x.name).join(','));
  return s.text.split('\n').filter((l) => l !== '');
}

/** The script of a dir-scanning command, from its validated params (`dirs`, `maxDepth`, `maxFiles`, `maxFileBytes`). */
export function dirScanScript(scan: DirScan, params: ParamValues, nonce: string): string {
  const dirs = listParam(params, 'dirs', scan.dirs);
  return [
    existingDirsScript(nonce, dirs),
    collectFunctionScript({
      nonce,
      maxFiles: integerParam(params, 'maxFiles', scan.maxFiles),
      maxFileBytes: integerParam(params, 'maxFileBytes', scan.maxFileBytes),
    }),
    collectCall(scan.group, depthGlobs(dirs, scan.fileNames, integerParam(params, 'maxDepth', scan.maxDepth))),
  ].join('\n');
}

/** The output of dirScanScript: each file parsed on its own with `parse`. */
export function readDirScan<T>(command: string, stdout: string, parse: (text: string) => T): DirScanResult<T> {
  const sections = splitSections(command, stdout);
  const { files, truncated } = readCollectedFiles(command, sections);
  const existingDirs = readExistingDirs(command, sections);
  return { existingDirs, files: files.map((f) => fileEntry(f, parse)), truncated };
}
