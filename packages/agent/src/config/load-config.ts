/**
 * Load the agent configuration: one YAML file, validated once, then deeply
 * frozen. Every problem (unknown key, wrong type, missing key, bad value) is
 * collected with its key path and line:column, and all are thrown together
 * as one InfraError. See docs/configuration.md.
 */
import { dirname, resolve } from 'node:path';
import { configProblemsError, deepFreeze, readConfigFile, YamlReader } from '@infrastructor/shared';
import { builtinCommands } from '../registry/builtin/index.js';
import type { CommandSpec, ParamSpec } from '../registry/command-spec.js';
import { findParser as catalogFindParser } from '../parse/catalog.js';
import type { FindParser } from '../registry/user-commands.js';
import type { AgentConfig } from './agent-config.js';
import { required, readString } from './read-values.js';
import { readOverrides, readUserCommands, type KnownCommands } from './validate-commands.js';
import { readHosts } from './validate-hosts.js';
import { readCache, readLimits, readLog, readScheduleSection, readSsh, readStorage } from './validate-sections.js';
import { readHub } from './validate-hub.js';

export const TOP_LEVEL_KEYS = ['site', 'hosts', 'commands', 'userCommands', 'ssh', 'storage', 'limits', 'cache', 'schedule', 'log', 'hub'] as const;
export const SITE_RE = /^[a-z0-9_.-]{1,64}$/;

export interface LoadConfigOptions {
  /** Built-in commands overrides may name (default: the real built-ins). */
  builtins?: readonly CommandSpec[];
  /** Parser lookup for userCommands[].parser (default: the parser catalog). */
  findParser?: FindParser;
}

/** Parse and validate config text. `sourcePath` locates relative paths and names the file in errors. */
export function parseConfig(text: string, sourcePath: string, options: LoadConfigOptions = {}): AgentConfig {
  const absPath = resolve(sourcePath);
  const baseDir = dirname(absPath);
  const builtins = options.builtins ?? builtinCommands;
  const findParser = options.findParser ?? catalogFindParser;

  const parsed = YamlReader.parse(text);
  if ('parseProblems' in parsed) throw configProblemsError(absPath, parsed.parseProblems);
  const src = parsed.reader;
  const rootRef = src.root();
  if (rootRef.node === null) {
    throw configProblemsError(absPath, [{ code: 'CONFIG_INVALID', path: '', line: 1, col: 1, message: 'the file is empty; it needs at least site and hosts' }]);
  }
  const root = src.map(rootRef, TOP_LEVEL_KEYS);
  if (root === undefined) throw configProblemsError(absPath, src.problems);

  const site = required(src, root, 'site', (r) => readString(src, r, { pattern: SITE_RE, patternHint: 'lowercase letters, digits, - _ . (at most 64)' }));
  const builtinNames = builtins.map((b) => b.name);
  const user = readUserCommands(src, root, builtinNames, findParser);
  const known = new Map<string, Readonly<Record<string, ParamSpec>> | null>();
  for (const b of builtins) known.set(b.name, b.params);
  for (const name of user.names) known.set(name, user.commands[name]?.params ?? null);
  const knownCommands: KnownCommands = known;

  const commands = readOverrides(src, root.get('commands'), knownCommands);
  const ssh = readSsh(src, root, baseDir);
  const hosts = readHosts(src, root, { baseDir, ssh, known: knownCommands });
  const hub = readHub(src, root, baseDir, site);
  const config: AgentConfig = {
    site: site ?? '',
    hosts,
    commands,
    userCommands: user.commands,
    ssh,
    storage: readStorage(src, root, baseDir),
    limits: readLimits(src, root),
    cache: readCache(src, root),
    schedule: readScheduleSection(src, root),
    log: readLog(src, root),
    ...(hub === undefined ? {} : { hub }),
    sourcePath: absPath,
  };
  if (src.problems.length > 0) throw configProblemsError(absPath, src.problems);
  return deepFreeze(config);
}

/** Read, parse and validate a config file (CONFIG_READ_FAILED when it cannot be read). */
export function loadConfigFile(path: string, options: LoadConfigOptions = {}): AgentConfig {
  const { absPath, text } = readConfigFile(path);
  return parseConfig(text, absPath, options);
}
