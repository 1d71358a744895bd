/**
 * Readers for the hub configuration's sections. Each returns a value with
 * defaults filled in; problems are recorded on the reader (all reported at once).
 */
import { isScalar } from 'yaml';
import { NAME_PATTERN, readInteger, resolveConfigPath, ROLES, type MapView, type ValueRef, type YamlReader } from '@infrastructor/shared';
import {
  FANOUT_DEFAULTS,
  LIMITS_DEFAULTS,
  LISTEN_DEFAULTS,
  LOG_DEFAULTS,
  LOG_LEVELS,
  STORAGE_DEFAULTS,
  type AgentEntry,
  type HubConfig,
  type SubscriberEntry,
} from './hub-config.js';
import { MIN_TOKEN_LENGTH, TOKEN_SHA256_PATTERN, tokenSha256 } from './token-digest.js';
import { readOneOf, readString } from './read-strings.js';

const NAME_HINT = 'letters, digits, _ . - (at most 128)';
const MIB = 1024 * 1024;

function section(y: YamlReader, root: MapView, key: string, known: readonly string[]): MapView | undefined {
  const ref = root.get(key);
  return ref === undefined ? undefined : y.map(ref, known);
}

function withDefault<T>(view: MapView | undefined, key: string, read: (r: ValueRef) => T | undefined, fallback: T): T {
  const ref = view?.get(key);
  return ref === undefined ? fallback : (read(ref) ?? fallback);
}

function readPath(y: YamlReader, ref: ValueRef, baseDir: string): string | undefined {
  const v = readString(y, ref);
  if (v === undefined) return undefined;
  if (v.includes('\0')) return y.invalid(ref, 'a path cannot contain NUL');
  return resolveConfigPath(v, baseDir);
}

export function readListen(y: YamlReader, root: MapView): HubConfig['listen'] {
  const view = section(y, root, 'listen', Object.keys(LISTEN_DEFAULTS));
  return {
    host: withDefault(view, 'host', (r) => readString(y, r, { maxLength: 255, pattern: /^[^\s/]+$/, hint: 'a hostname or IP address' }), LISTEN_DEFAULTS.host),
    port: withDefault(view, 'port', (r) => readInteger(y, r, { min: 0, max: 65535 }), LISTEN_DEFAULTS.port),
  };
}

export function readTls(y: YamlReader, root: MapView, baseDir: string): HubConfig['tls'] {
  const view = section(y, root, 'tls', ['certFile', 'keyFile']);
  if (view === undefined) return undefined;
  const certRef = view.get('certFile');
  const keyRef = view.get('keyFile');
  const certFile = certRef === undefined ? y.invalid(view.missing('certFile'), 'required key is missing') : readPath(y, certRef, baseDir);
  const keyFile = keyRef === undefined ? y.invalid(view.missing('keyFile'), 'required key is missing') : readPath(y, keyRef, baseDir);
  return certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile };
}

export function readStorage(y: YamlReader, root: MapView, baseDir: string): HubConfig['storage'] {
  const view = section(y, root, 'storage', Object.keys(STORAGE_DEFAULTS));
  const d = STORAGE_DEFAULTS;
  return {
    path: withDefault(view, 'path', (r) => readPath(y, r, baseDir), resolveConfigPath(d.path, baseDir)),
    synchronous: withDefault(view, 'synchronous', (r) => readOneOf(y, r, ['FULL', 'NORMAL'] as const), d.synchronous),
    auditRetentionMs: withDefault(view, 'auditRetentionMs', (r) => readInteger(y, r, { min: 60_000 }), d.auditRetentionMs),
    changeRetentionMs: withDefault(view, 'changeRetentionMs', (r) => readInteger(y, r, { min: 60_000 }), d.changeRetentionMs),
  };
}

/** Minimums per limit (ms limits may be small so tests can run fast). */
const LIMIT_RANGES: Record<keyof typeof LIMITS_DEFAULTS, [number, number]> = {
  agentMaxPayloadBytes: [1024, 1024 * MIB],
  subscriberMaxPayloadBytes: [1024, 64 * MIB],
  helloTimeoutMs: [1, 3_600_000],
  pingIntervalMs: [1, 3_600_000],
  requestDedupeTtlMs: [1, 7 * 24 * 3_600_000],
  maxPendingRequestsPerAgent: [1, 1_000_000],
  staleGraceMs: [0, 7 * 24 * 3_600_000],
  staleCheckIntervalMs: [1, 3_600_000],
  maintenanceIntervalMs: [1, 24 * 3_600_000],
  shutdownTimeoutMs: [0, 600_000],
};

export function readLimits(y: YamlReader, root: MapView): HubConfig['limits'] {
  const view = section(y, root, 'limits', Object.keys(LIMITS_DEFAULTS));
  const out = { ...LIMITS_DEFAULTS } as HubConfig['limits'];
  for (const key of Object.keys(LIMITS_DEFAULTS) as (keyof typeof LIMITS_DEFAULTS)[]) {
    const [min, max] = LIMIT_RANGES[key];
    out[key] = withDefault(view, key, (r) => readInteger(y, r, { min, max }), LIMITS_DEFAULTS[key]);
  }
  return out;
}

export function readFanout(y: YamlReader, root: MapView): HubConfig['fanout'] {
  const view = section(y, root, 'fanout', Object.keys(FANOUT_DEFAULTS));
  const d = FANOUT_DEFAULTS;
  return {
    coalesceMs: withDefault(view, 'coalesceMs', (r) => readInteger(y, r, { min: 0, max: 10_000 }), d.coalesceMs),
    maxBufferedBytes: withDefault(view, 'maxBufferedBytes', (r) => readInteger(y, r, { min: 64 * 1024, max: 1024 * MIB }), d.maxBufferedBytes),
    resumeBufferEvents: withDefault(view, 'resumeBufferEvents', (r) => readInteger(y, r, { min: 0, max: 10_000_000 }), d.resumeBufferEvents),
  };
}

export function readLog(y: YamlReader, root: MapView): HubConfig['log'] {
  const view = section(y, root, 'log', Object.keys(LOG_DEFAULTS));
  return { level: withDefault(view, 'level', (r) => readOneOf(y, r, LOG_LEVELS), LOG_DEFAULTS.level) };
}

/** `token` (hashed here, never kept) or `tokenSha256`; exactly one. */
function readToken(y: YamlReader, view: MapView): string | undefined {
  const token = view.get('token');
  const digest = view.get('tokenSha256');
  if (token !== undefined && digest !== undefined) return y.invalid(digest, 'give either token or tokenSha256, not both');
  if (token !== undefined) {
    // Never echo the value in a message: it is a secret.
    const v = isScalar(token.node) && typeof token.node.value === 'string' ? token.node.value : undefined;
    if (v === undefined) return y.invalid(token, 'expected a string');
    if (v.length < MIN_TOKEN_LENGTH || v.length > 4096) return y.invalid(token, `must be ${MIN_TOKEN_LENGTH} to 4096 characters long`);
    return tokenSha256(v);
  }
  if (digest !== undefined) return readString(y, digest, { pattern: TOKEN_SHA256_PATTERN, hint: '64 lowercase hex digits (sha256 of the token)' });
  return y.invalid(view.missing('token'), 'required: token or tokenSha256');
}

function required<T>(y: YamlReader, view: MapView, key: string, read: (r: ValueRef) => T | undefined): T | undefined {
  const ref = view.get(key);
  return ref === undefined ? y.invalid(view.missing(key), 'required key is missing') : read(ref);
}

/** Tokens must be unique across agents and subscribers: one token, one principal. */
class TokenRegistry {
  private readonly seen = new Map<string, string>();
  constructor(private readonly y: YamlReader) {}
  add(digest: string | undefined, owner: string, at: ValueRef): void {
    if (digest === undefined) return;
    const first = this.seen.get(digest);
    if (first !== undefined) this.y.invalid(at, `the same token is already used by ${first}; every agent and subscriber needs its own`);
    else this.seen.set(digest, owner);
  }
}

export function readPrincipals(y: YamlReader, root: MapView): { agents: AgentEntry[]; subscribers: SubscriberEntry[] } {
  const tokens = new TokenRegistry(y);
  const agents: AgentEntry[] = [];
  // An id may have several entries, each with its own token (rotation
  // without a break: old and new token valid at once), but only one site.
  const siteOf = new Map<string, string>();
  const agentsRef = root.get('agents');
  for (const item of agentsRef === undefined ? [] : (y.items(agentsRef) ?? [])) {
    const view = y.map(item, ['id', 'site', 'token', 'tokenSha256']);
    if (view === undefined) continue;
    const id = required(y, view, 'id', (r) => readString(y, r, { pattern: NAME_PATTERN, hint: NAME_HINT }));
    const site = required(y, view, 'site', (r) => readString(y, r, { pattern: NAME_PATTERN, hint: NAME_HINT }));
    const digest = readToken(y, view);
    const earlierSite = id === undefined ? undefined : siteOf.get(id);
    const siteConflict = earlierSite !== undefined && site !== undefined && site !== earlierSite;
    if (siteConflict) {
      y.invalid(view.get('site') ?? item, `agent id ${JSON.stringify(id)} is already listed with site ${JSON.stringify(earlierSite)}; an agent belongs to one site (list an id again only to give it another token)`);
    }
    tokens.add(digest, `agent ${id ?? '?'}`, item);
    if (id !== undefined && site !== undefined && digest !== undefined && !siteConflict) agents.push({ id, site, tokenSha256: digest });
    if (id !== undefined && site !== undefined && earlierSite === undefined) siteOf.set(id, site);
  }

  const subscribers: SubscriberEntry[] = [];
  const names = new Set<string>();
  const subsRef = root.get('subscribers');
  for (const item of subsRef === undefined ? [] : (y.items(subsRef) ?? [])) {
    const view = y.map(item, ['name', 'token', 'tokenSha256', 'role', 'sites']);
    if (view === undefined) continue;
    const name = required(y, view, 'name', (r) => readString(y, r, { pattern: NAME_PATTERN, hint: NAME_HINT }));
    const role = required(y, view, 'role', (r) => readOneOf(y, r, ROLES));
    const sites = required(y, view, 'sites', (r) => readSites(y, r));
    const digest = readToken(y, view);
    if (name !== undefined && names.has(name)) y.invalid(view.get('name') ?? item, `subscriber name ${JSON.stringify(name)} is listed twice`);
    tokens.add(digest, `subscriber ${name ?? '?'}`, item);
    if (name !== undefined && role !== undefined && sites !== undefined && digest !== undefined && !names.has(name)) {
      subscribers.push({ name, role, sites, tokenSha256: digest });
    }
    if (name !== undefined) names.add(name);
  }
  return { agents, subscribers };
}

function readSites(y: YamlReader, ref: ValueRef): string[] | undefined {
  const items = y.items(ref);
  if (items === undefined) return undefined;
  if (items.length === 0) return y.invalid(ref, "list at least one site, or '*' for all");
  const out: string[] = [];
  for (const item of items) {
    const v = readString(y, item);
    if (v === undefined) return undefined;
    if (v !== '*' && !NAME_PATTERN.test(v)) return y.invalid(item, `${JSON.stringify(v)} is not a site name or '*'`);
    if (out.includes(v)) return y.invalid(item, `${JSON.stringify(v)} is listed twice`);
    out.push(v);
  }
  if (out.includes('*') && out.length > 1) return y.invalid(ref, "'*' already means every site; list it alone");
  return out;
}
