/**
 * Load the hub configuration: one YAML file, validated once, then deeply
 * frozen. Every problem (unknown key, wrong type, missing key, bad value)
 * is collected with its key path and line:column and thrown together as one
 * InfraError. Plain tokens are hashed on load and never kept. See
 * docs/hub-configuration.md.
 */
import { dirname, resolve } from 'node:path';
import { configProblemsError, deepFreeze, readBoolean, readConfigFile, YamlReader } from '@infrastructor/shared';
import type { HubConfig } from './hub-config.js';
import { readFanout, readLimits, readListen, readLog, readPrincipals, readStorage, readTls } from './read-sections.js';

export const TOP_LEVEL_KEYS = ['listen', 'tls', 'insecure', 'storage', 'agents', 'subscribers', 'limits', 'fanout', 'log'] as const;

/** Parse and validate config text; `sourcePath` locates relative paths and names the file in errors. */
export function parseHubConfig(text: string, sourcePath: string): HubConfig {
  const absPath = resolve(sourcePath);
  const baseDir = dirname(absPath);
  // The hub's messages quote at most 40 characters of a string and take only strings as keys.
  const parsed = YamlReader.parse(text, { quoteLimit: 40, numberKeys: false });
  if ('parseProblems' in parsed) throw configProblemsError(absPath, parsed.parseProblems);
  const y = parsed.reader;
  const rootRef = y.root();
  if (rootRef.node === null) {
    throw configProblemsError(absPath, [{ code: 'CONFIG_INVALID', path: '', line: 1, col: 1, message: 'the file is empty; it needs at least agents' }]);
  }
  const root = y.map(rootRef, TOP_LEVEL_KEYS);
  if (root === undefined) throw configProblemsError(absPath, y.problems);

  const insecureRef = root.get('insecure');
  const insecureValue = insecureRef === undefined ? false : readBoolean(y, insecureRef);
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
  if (y.problems.length > 0) throw configProblemsError(absPath, y.problems);
  return deepFreeze(config);
}

/** Read, parse and validate a config file (CONFIG_READ_FAILED when it cannot be read). */
export function loadHubConfig(path: string): HubConfig {
  const { absPath, text } = readConfigFile(path);
  return parseHubConfig(text, absPath);
}
