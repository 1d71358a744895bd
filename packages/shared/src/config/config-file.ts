/** Reading a configuration file and turning its problems into one InfraError. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { InfraError } from '../errors.js';
import { formatProblem, type ConfigProblem } from './config-problem.js';

/** The text of a configuration file (CONFIG_READ_FAILED when it cannot be read). */
export function readConfigFile(path: string): { absPath: string; text: string } {
  const absPath = resolve(path);
  try {
    return { absPath, text: readFileSync(absPath, 'utf8') };
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new InfraError('CONFIG_READ_FAILED', `${absPath}: cannot read the configuration file (${errno ?? String(err)})`, {
      cause: err,
      details: { sourcePath: absPath, errno },
    });
  }
}

/**
 * All problems of a file as one InfraError, sorted by position: one problem
 * keeps its own code; several are CONFIG_PARSE_FAILED when all are parse
 * failures, else CONFIG_INVALID. Needs at least one problem.
 */
export function configProblemsError(sourcePath: string, problems: readonly ConfigProblem[]): InfraError {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  const first = sorted[0] as ConfigProblem;
  const code = sorted.length === 1 ? first.code : sorted.every((p) => p.code === 'CONFIG_PARSE_FAILED') ? 'CONFIG_PARSE_FAILED' : 'CONFIG_INVALID';
  const message =
    sorted.length === 1
      ? `${sourcePath}: ${formatProblem(first)}`
      : `${sourcePath}: ${sorted.length} configuration problems:\n${sorted.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
  return new InfraError(code, message, { details: { sourcePath, problems: sorted } });
}

/** Freeze a loaded configuration and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A filesystem path from a configuration: "~" and "~/..." expand to the home
 * directory, relative paths resolve against `baseDir` (the config file's folder).
 */
export function resolveConfigPath(value: string, baseDir: string, homeDir: string = homedir()): string {
  if (value === '~') return homeDir;
  if (value.startsWith('~/')) return resolve(homeDir, value.slice(2));
  return isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
}
