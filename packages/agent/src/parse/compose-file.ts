import { parseDocument } from 'yaml';
import { parseError } from './parse-error.js';
import { isRecord } from './docker-json-lines.js';
import { shortPort, shortVolume, type ComposePort, type ComposeVolumeMount } from './compose-values.js';

export const COMPOSE_FILE_PARSER = 'compose-file';

/** Kept to a few fields that matter for an inventory. Never the test command (it may hold a password). */
export interface ComposeHealthcheck {
  /** CMD, CMD-SHELL (also for the string form), NONE, or null when not given. */
  testKind: string | null;
  interval: string | null;
  timeout: string | null;
  retries: number | null;
  startPeriod: string | null;
  disabled: boolean;
}

export interface ComposeService {
  name: string;
  image: string | null;
  build: { context: string | null; dockerfile: string | null; target: string | null } | null;
  containerName: string | null;
  ports: ComposePort[];
  volumes: ComposeVolumeMount[];
  /** Names only; values are never read (they may be secrets). */
  environmentKeys: string[];
  envFiles: string[];
  dependsOn: Array<{ service: string; condition: string | null }>;
  restart: string | null;
  healthcheck: ComposeHealthcheck | null;
  profiles: string[];
  networks: string[];
  networkMode: string | null;
}

export interface ComposeTopLevelItem {
  name: string;
  external: boolean;
  driver: string | null;
}

export interface ComposeFile {
  /** The obsolete `version` key when present. */
  version: string | null;
  /** Project `name` when present. */
  name: string | null;
  services: ComposeService[];
  networks: ComposeTopLevelItem[];
  volumes: ComposeTopLevelItem[];
}

/** Alias expansion limit (yaml's default of 100 is too low for real files with many `<<: *x`). */
const MAX_ALIAS_COUNT = 10_000;

class Ctx {
  constructor(readonly text: string) {}
  fail(where: string, reason: string): never {
    throw parseError(COMPOSE_FILE_PARSER, `${where}: ${reason}`, this.text);
  }
}

function scalar(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function str(ctx: Ctx, where: string, v: unknown): string | null {
  const s = scalar(v);
  if (s === undefined) ctx.fail(where, 'expected a string');
  return s;
}

function strList(ctx: Ctx, where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) ctx.fail(where, 'expected a list');
  return v.map((item, i) => {
    const s = scalar(item);
    if (s === undefined || s === null) ctx.fail(`${where}[${i}]`, 'expected a string');
    return s;
  });
}

function ports(ctx: Ctx, where: string, v: unknown): ComposePort[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) ctx.fail(where, 'expected a list');
  return v.map((item, i): ComposePort => {
    if (typeof item === 'string' || typeof item === 'number') return shortPort(String(item));
    if (!isRecord(item)) ctx.fail(`${where}[${i}]`, 'expected a string or a mapping');
    const target = str(ctx, `${where}[${i}].target`, item.target);
    if (target === null) ctx.fail(`${where}[${i}]`, 'long syntax port without target');
    return {
      raw: null,
      hostIp: str(ctx, `${where}[${i}].host_ip`, item.host_ip),
      published: str(ctx, `${where}[${i}].published`, item.published),
      target,
      protocol: str(ctx, `${where}[${i}].protocol`, item.protocol) ?? 'tcp',
      mode: str(ctx, `${where}[${i}].mode`, item.mode),
    };
  });
}

function volumes(ctx: Ctx, where: string, v: unknown): ComposeVolumeMount[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) ctx.fail(where, 'expected a list');
  return v.map((item, i): ComposeVolumeMount => {
    if (typeof item === 'string') return shortVolume(item);
    if (!isRecord(item)) ctx.fail(`${where}[${i}]`, 'expected a string or a mapping');
    return {
      raw: null,
      type: str(ctx, `${where}[${i}].type`, item.type) ?? 'volume',
      source: str(ctx, `${where}[${i}].source`, item.source),
      target: str(ctx, `${where}[${i}].target`, item.target),
      readOnly: item.read_only === true || item.read_only === 'true',
    };
  });
}

function environmentKeys(ctx: Ctx, where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      if (typeof item !== 'string') ctx.fail(`${where}[${i}]`, 'expected KEY=value');
      const eq = item.indexOf('=');
      return (eq < 0 ? item : item.slice(0, eq)).trim();
    });
  }
  if (isRecord(v)) return Object.keys(v);
  return ctx.fail(where, 'expected a list or a mapping');
}

function envFiles(ctx: Ctx, where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) ctx.fail(where, 'expected a string or a list');
  return v.map((item, i) => {
    if (typeof item === 'string') return item;
    if (isRecord(item) && typeof item.path === 'string') return item.path;
    return ctx.fail(`${where}[${i}]`, 'expected a path or {path}');
  });
}

function dependsOn(ctx: Ctx, where: string, v: unknown): ComposeService['dependsOn'] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return strList(ctx, where, v).map((service) => ({ service, condition: null }));
  if (!isRecord(v)) ctx.fail(where, 'expected a list or a mapping');
  return Object.entries(v).map(([service, cfg]) => ({
    service,
    condition: isRecord(cfg) ? str(ctx, `${where}.${service}.condition`, cfg.condition) : null,
  }));
}

function healthcheck(ctx: Ctx, where: string, v: unknown): ComposeHealthcheck | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) ctx.fail(where, 'expected a mapping');
  let testKind: string | null = null;
  if (typeof v.test === 'string') testKind = 'CMD-SHELL';
  else if (Array.isArray(v.test)) testKind = scalar(v.test[0]) ?? null;
  else if (v.test !== undefined && v.test !== null) ctx.fail(`${where}.test`, 'expected a string or a list');
  const retriesRaw = scalar(v.retries);
  const retries = retriesRaw !== null && retriesRaw !== undefined && /^[0-9]+$/.test(retriesRaw) ? Number(retriesRaw) : null;
  return {
    testKind,
    interval: str(ctx, `${where}.interval`, v.interval),
    timeout: str(ctx, `${where}.timeout`, v.timeout),
    retries,
    startPeriod: str(ctx, `${where}.start_period`, v.start_period),
    disabled: v.disable === true || testKind === 'NONE',
  };
}

function networkNames(ctx: Ctx, where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return strList(ctx, where, v);
  if (isRecord(v)) return Object.keys(v);
  return ctx.fail(where, 'expected a list or a mapping');
}

function build(ctx: Ctx, where: string, v: unknown): ComposeService['build'] {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return { context: v, dockerfile: null, target: null };
  if (!isRecord(v)) ctx.fail(where, 'expected a string or a mapping');
  return {
    context: str(ctx, `${where}.context`, v.context),
    dockerfile: str(ctx, `${where}.dockerfile`, v.dockerfile),
    target: str(ctx, `${where}.target`, v.target),
  };
}

function service(ctx: Ctx, name: string, v: unknown): ComposeService {
  const w = `services.${name}`;
  if (v === null) v = {};
  if (!isRecord(v)) ctx.fail(w, 'a service must be a mapping');
  return {
    name,
    image: str(ctx, `${w}.image`, v.image),
    build: build(ctx, `${w}.build`, v.build),
    containerName: str(ctx, `${w}.container_name`, v.container_name),
    ports: ports(ctx, `${w}.ports`, v.ports),
    volumes: volumes(ctx, `${w}.volumes`, v.volumes),
    environmentKeys: environmentKeys(ctx, `${w}.environment`, v.environment),
    envFiles: envFiles(ctx, `${w}.env_file`, v.env_file),
    dependsOn: dependsOn(ctx, `${w}.depends_on`, v.depends_on),
    restart: str(ctx, `${w}.restart`, v.restart),
    healthcheck: healthcheck(ctx, `${w}.healthcheck`, v.healthcheck),
    profiles: strList(ctx, `${w}.profiles`, v.profiles),
    networks: networkNames(ctx, `${w}.networks`, v.networks),
    networkMode: str(ctx, `${w}.network_mode`, v.network_mode),
  };
}

function topLevel(ctx: Ctx, where: string, v: unknown): ComposeTopLevelItem[] {
  if (v === undefined || v === null) return [];
  if (!isRecord(v)) ctx.fail(where, 'expected a mapping');
  return Object.entries(v).map(([name, cfg]) => {
    if (cfg !== null && !isRecord(cfg)) ctx.fail(`${where}.${name}`, 'expected a mapping');
    return {
      name,
      external: cfg !== null && (cfg.external === true || isRecord(cfg.external)),
      driver: cfg === null ? null : str(ctx, `${where}.${name}.driver`, cfg.driver),
    };
  });
}

/**
 * A docker-compose file (compose.yaml / docker-compose.yml): YAML 1.2 with
 * merge keys (`<<`), anchors and aliases; `x-` extension fields are ignored;
 * `version` is optional. Interpolations (`${VAR}`) are kept as written.
 * Invalid YAML, a top level that is not a mapping or `services` that is not
 * a mapping → PARSE_FAILED.
 */
export function parseComposeFile(text: string): ComposeFile {
  const ctx: Ctx = new Ctx(text);
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw parseError(COMPOSE_FILE_PARSER, `invalid YAML${line === undefined ? '' : ` at line ${line}`}: ${err.message.split('\n')[0] ?? ''}`, text);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw parseError(COMPOSE_FILE_PARSER, `YAML cannot be resolved: ${e instanceof Error ? e.message : String(e)}`, text);
  }
  if (!isRecord(root)) ctx.fail('top level', 'not a mapping');
  const services = root.services;
  if (services !== undefined && services !== null && !isRecord(services)) ctx.fail('services', 'not a mapping');
  return {
    version: str(ctx, 'version', root.version),
    name: str(ctx, 'name', root.name),
    services: Object.entries(services ?? {})
      .filter(([name]) => !name.startsWith('x-'))
      .map(([name, v]) => service(ctx, name, v)),
    networks: topLevel(ctx, 'networks', root.networks),
    volumes: topLevel(ctx, 'volumes', root.volumes),
  };
}
