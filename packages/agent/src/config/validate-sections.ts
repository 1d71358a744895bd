/**
 * The simple top-level sections: ssh, storage, limits, cache, schedule, log.
 * Defaults live here (and are documented in docs/configuration.md).
 */
import type { AgentConfig } from './agent-config.js';
import { readBoolean, readInteger, resolveConfigPath, type MapView, type ValueRef, type YamlReader } from '@infrastructor/shared';
import { optional, readEnum, readPath, readString, withDefault } from './read-values.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MIB = 1024 * 1024;

export const STORAGE_DEFAULTS = {
  path: './infra-agent.db',
  synchronous: 'FULL',
  historyRetentionMs: 7 * DAY_MS,
  auditRetentionMs: 30 * DAY_MS,
  outboxMaxBytes: 256 * MIB,
  outboxMaxAgeMs: 7 * DAY_MS,
} as const;

export const LIMITS_DEFAULTS = {
  globalConcurrency: 8,
  perHostConcurrency: 2,
  maxOutputBytes: 8 * MIB,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  keepaliveIntervalMs: 15_000,
  shutdownTimeoutMs: 10_000,
} as const;

export const CACHE_DEFAULTS = { maxEntries: 1000 } as const;
export const SCHEDULE_DEFAULTS = { enabled: true, jitterMs: 30_000, runOnStart: true } as const;
export const LOG_DEFAULTS = { level: 'info' } as const;
export const SSH_DEFAULTS = { defaultUser: 'infra' } as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const USER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The section's mapping (reporting unknown keys), or undefined when absent or not a mapping. */
function section(src: YamlReader, root: MapView, key: string, known: readonly string[]): MapView | undefined {
  const ref = root.get(key);
  return ref === undefined ? undefined : src.map(ref, known);
}

const int =
  (src: YamlReader, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (ref: ValueRef) =>
    readInteger(src, ref, { min, max });

export function readSsh(src: YamlReader, root: MapView, baseDir: string): AgentConfig['ssh'] {
  const view = section(src, root, 'ssh', ['defaultUser', 'defaultPrivateKeyPath']);
  if (view === undefined) return { ...SSH_DEFAULTS };
  const defaultUser = withDefault(view, 'defaultUser', (r) => readString(src, r, { pattern: USER_NAME_RE, patternHint: 'a login name', maxLength: 64 }), SSH_DEFAULTS.defaultUser);
  const defaultPrivateKeyPath = optional(view, 'defaultPrivateKeyPath', (r) => readPath(src, r, baseDir));
  return defaultPrivateKeyPath === undefined ? { defaultUser } : { defaultUser, defaultPrivateKeyPath };
}

export function readStorage(src: YamlReader, root: MapView, baseDir: string): AgentConfig['storage'] {
  const view = section(src, root, 'storage', Object.keys(STORAGE_DEFAULTS));
  const d = STORAGE_DEFAULTS;
  if (view === undefined) return { ...d, path: resolveConfigPath(d.path, baseDir) };
  return {
    path: optional(view, 'path', (r) => readPath(src, r, baseDir)) ?? resolveConfigPath(d.path, baseDir),
    synchronous: withDefault(view, 'synchronous', (r) => readEnum(src, r, ['FULL', 'NORMAL'] as const), d.synchronous),
    historyRetentionMs: withDefault(view, 'historyRetentionMs', int(src, MINUTE_MS), d.historyRetentionMs),
    auditRetentionMs: withDefault(view, 'auditRetentionMs', int(src, MINUTE_MS), d.auditRetentionMs),
    outboxMaxBytes: withDefault(view, 'outboxMaxBytes', int(src, MIB), d.outboxMaxBytes),
    outboxMaxAgeMs: withDefault(view, 'outboxMaxAgeMs', int(src, MINUTE_MS), d.outboxMaxAgeMs),
  };
}

export function readLimits(src: YamlReader, root: MapView): AgentConfig['limits'] {
  const view = section(src, root, 'limits', Object.keys(LIMITS_DEFAULTS));
  const d = LIMITS_DEFAULTS;
  if (view === undefined) return { ...d };
  const limits = {
    globalConcurrency: withDefault(view, 'globalConcurrency', int(src, 1, 1024), d.globalConcurrency),
    perHostConcurrency: withDefault(view, 'perHostConcurrency', int(src, 1, 64), d.perHostConcurrency),
    maxOutputBytes: withDefault(view, 'maxOutputBytes', int(src, 1024, 1024 * MIB), d.maxOutputBytes),
    connectTimeoutMs: withDefault(view, 'connectTimeoutMs', int(src, 100), d.connectTimeoutMs),
    idleTimeoutMs: withDefault(view, 'idleTimeoutMs', int(src, 1000), d.idleTimeoutMs),
    keepaliveIntervalMs: withDefault(view, 'keepaliveIntervalMs', int(src, 1000), d.keepaliveIntervalMs),
    shutdownTimeoutMs: withDefault(view, 'shutdownTimeoutMs', int(src, 0), d.shutdownTimeoutMs),
  };
  const perHost = view.get('perHostConcurrency');
  if (perHost !== undefined && limits.perHostConcurrency > limits.globalConcurrency) {
    src.invalid(perHost, `must not exceed limits.globalConcurrency (${limits.globalConcurrency}), got ${limits.perHostConcurrency}`);
  }
  return limits;
}

export function readCache(src: YamlReader, root: MapView): AgentConfig['cache'] {
  const view = section(src, root, 'cache', Object.keys(CACHE_DEFAULTS));
  if (view === undefined) return { ...CACHE_DEFAULTS };
  return { maxEntries: withDefault(view, 'maxEntries', int(src, 1, 1_000_000), CACHE_DEFAULTS.maxEntries) };
}

export function readScheduleSection(src: YamlReader, root: MapView): AgentConfig['schedule'] {
  const view = section(src, root, 'schedule', Object.keys(SCHEDULE_DEFAULTS));
  if (view === undefined) return { ...SCHEDULE_DEFAULTS };
  return {
    enabled: withDefault(view, 'enabled', (r) => readBoolean(src, r), SCHEDULE_DEFAULTS.enabled),
    jitterMs: withDefault(view, 'jitterMs', int(src, 0, 3_600_000), SCHEDULE_DEFAULTS.jitterMs),
    runOnStart: withDefault(view, 'runOnStart', (r) => readBoolean(src, r), SCHEDULE_DEFAULTS.runOnStart),
  };
}

export function readLog(src: YamlReader, root: MapView): AgentConfig['log'] {
  const view = section(src, root, 'log', Object.keys(LOG_DEFAULTS));
  if (view === undefined) return { ...LOG_DEFAULTS };
  return { level: withDefault(view, 'level', (r) => readEnum(src, r, LOG_LEVELS), LOG_DEFAULTS.level) };
}
