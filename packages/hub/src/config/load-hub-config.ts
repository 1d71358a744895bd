/**
 * Load the hub configuration: one YAML file, validated once, then deeply
 * frozen. Every problem (unknown key, wrong type, missing key, bad value)
 * is collected with its key path and line:column and thrown together as one
 * InfraError. Plain tokens are hashed on load and never kept. See
 * docs/hub-configuration.md.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InfraError } from '@infrastructor/shared';
import type { HubConfig } from './hub-config.js';
import { readFanout, readLimits, readListen, readLog, readPrincipals, readStorage, readTls } from './read-sections.js';
import { formatProblem, YamlReader, type ConfigProblem } from './yaml-reader.js';

export const TOP_LEVEL_KEYS = ['listen', 'tls', 'insecure', 'storage', 'agents', 'subscribers', 'limits', 'fanout', 'log'] as const;

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function configError(sourcePath: string, problems: readonly ConfigProblem[]): InfraError {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  const first = sorted[0] as ConfigProblem;
  const code = sorted.length === 1 ? first.code : sorted.every((p) => p.code === 'CONFIG_PARSE_FAILED') ? 'CONFIG_PARSE_FAILED' : 'CONFIG_INVALID';
  const message =
    sorted.length === 1
      ? `${sourcePath}: ${formatProblem(first)}`
      : `${sourcePath}: ${sorted.length} configuration problems:\n${sorted.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
  return new InfraError(code, message, { details: { sourcePath, problems: sorted } });
}

/** Parse and validate config text; `sourcePath` locates relative paths and names the file in errors. */
export function parseHubConfig(text: string, sourcePath: string): HubConfig {
  const absPath = resolve(sourcePath);
  const baseDir = dirname(absPath);
  const parsed = YamlReader.parse(text);
  if (!(parsed instanceof YamlReader)) throw configError(absPath, parsed);
  const y = parsed;
  const rootRef = y.root();
  if (rootRef.node === null) {
    throw configError(absPath, [{ code: 'CONFIG_INVALID', path: '', line: 1, col: 1, message: 'the file is empty; it needs at least agents' }]);
  }
  const root = y.map(rootRef, TOP_LEVEL_KEYS);
  if (root === undefined) throw configError(absPath, y.problems);

  const insecureRef = root.get('insecure');
  const insecureValue = insecureRef === undefined ? false : y.boolean(insecureRef);
  const insecure = insecureValue ?? false;
  const tls = readTls(y, root, baseDir);
  // (an invalid `insecure` is reported once, as a wrong type)
  if (tls === undefined && root.get('tls') === undefined && insecureValue === false) {
    y.invalid(
      insecureRef ?? root.missing('tls'),
      'tls (certFile, keyFile) is required; to serve plain, unencrypted ws:// (tokens in clear text) set insecure: true explicitly',
    );
  }
  const { agents, subscribers } = readPrincipals(y, root);
  const config: HubConfig = {
    listen: readListen(y, root),
    ...(tls === undefined ? {} : { tls }),
    insecure,
    storage: readStorage(y, root, baseDir),
    agents,
    subscribers,
    limits: readLimits(y, root),
    fanout: readFanout(y, root),
    log: readLog(y, root),
    sourcePath: absPath,
  };
  if (y.problems.length > 0) throw configError(absPath, y.problems);
  return deepFreeze(config);
}

/** Read, parse and validate a config file (CONFIG_READ_FAILED when it cannot be read). */
export function loadHubConfig(path: string): HubConfig {
  const absPath = resolve(path);
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new InfraError('CONFIG_READ_FAILED', `${absPath}: cannot read the configuration file (${errno ?? String(err)})`, {
      cause: err,
      details: { sourcePath: absPath, errno },
    });
  }
  return parseHubConfig(text, absPath);
}
