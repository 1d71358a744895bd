// Small in-memory stand-ins for the collection service's ports, for fast
// unit tests of its logic. Real SSH/SQLite are exercised in test/.
import { pino } from 'pino';
import { InfraError } from '@infrastructor/shared';
import type { AgentConfig, HostConfig } from '../../src/config/agent-config.js';
import type { CommandSpec, ParamValues } from '../../src/registry/command-spec.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/collect/transport.js';
import type { CollectionSink, AuditEntry, ResultEntry, ChangeEntry } from '../../src/service/collection-types.js';
import type { CommandRegistry } from '../../src/service/collection-service.js';
import type { ParsedFile } from '../../src/registry/command-spec.js';

export const silentLogger = pino({ level: 'silent' });

export function host(name: string): HostConfig {
  return {
    name,
    transport: 'local',
    address: '',
    port: 22,
    user: 'x',
    hostKeyPolicy: 'strict',
    tags: [],
    commands: {},
  };
}

export function config(hosts: HostConfig[], limits: Partial<AgentConfig['limits']> = {}): AgentConfig {
  return {
    site: 'test',
    hosts,
    commands: {},
    userCommands: {},
    storage: {
      path: ':memory:',
      synchronous: 'FULL',
      historyRetentionMs: 1e9,
      auditRetentionMs: 1e9,
      outboxMaxBytes: 1e9,
      outboxMaxAgeMs: 1e9,
    },
    limits: {
      globalConcurrency: 8,
      perHostConcurrency: 2,
      maxOutputBytes: 1 << 20,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 1000,
      keepaliveIntervalMs: 1000,
      shutdownTimeoutMs: 1000,
      ...limits,
    },
    cache: { maxEntries: 100 },
    schedule: { enabled: true, jitterMs: 0, runOnStart: false },
    ssh: { defaultUser: 'infra' },
    log: { level: 'info' },
    sourcePath: '/dev/null',
  };
}

export function spec(name: string, overrides: Partial<CommandSpec> = {}, ttlMs = 30_000): CommandSpec {
  return {
    name,
    description: name,
    params: {},
    defaults: { schedule: '* * * * *', ttlMs, timeoutMs: 1000, retries: 0, enabled: true },
    script: () => `echo ${name}`,
    parse: ({ stdout }) => {
      if (stdout.startsWith('garbage')) throw new InfraError('PARSE_FAILED', `${name}: cannot read ${stdout}`);
      return JSON.parse(stdout) as unknown;
    },
    ...overrides,
  };
}

export function registry(specs: CommandSpec[], settings: Record<string, { enabled?: boolean; ttlMs?: number; retries?: number }> = {}): CommandRegistry {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return {
    get(name) {
      const s = byName.get(name);
      if (!s) throw new InfraError('COMMAND_UNKNOWN', `no command ${name}`);
      return s;
    },
    settingsFor(_host, command) {
      const s = this.get(command);
      const o = settings[command] ?? {};
      return {
        enabled: o.enabled ?? s.defaults.enabled,
        ttlMs: o.ttlMs ?? s.defaults.ttlMs,
        timeoutMs: s.defaults.timeoutMs,
        retries: o.retries ?? s.defaults.retries,
      };
    },
    resolveParams(_host, _command, raw): ParamValues {
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string' || /[;$`\n]/.test(v)) throw new InfraError('PARAM_INVALID', `bad ${k}`);
      }
      return raw as ParamValues;
    },
    paramsHash(values) {
      return JSON.stringify(Object.entries(values).sort());
    },
  };
}

export class MemorySink implements CollectionSink {
  audits: AuditEntry[] = [];
  results: ResultEntry[] = [];
  changes: ChangeEntry[] = [];
  hashes = new Map<string, Map<string, string>>();
  previousFileHashes(h: string, c: string): ReadonlyMap<string, string> {
    return new Map(this.hashes.get(`${h}/${c}`) ?? []);
  }
  record(entry: { audit: AuditEntry; result?: ResultEntry; changes?: readonly ChangeEntry[]; files?: readonly ParsedFile[] }): void {
    this.audits.push(entry.audit);
    if (entry.result) this.results.push(entry.result);
    if (entry.changes) this.changes.push(...entry.changes);
    if (entry.files && entry.result) {
      this.hashes.set(`${entry.result.host}/${entry.result.command}`, new Map(entry.files.map((f) => [f.path, f.hash])));
    }
  }
}

/** A transport whose runs the test answers by hand. */
export class ScriptedTransport implements Transport {
  calls: string[] = [];
  pending: Array<{ script: string; resolve: (r: ExecResult) => void; reject: (e: unknown) => void; options: ExecOptions }> = [];
  constructor(private readonly auto?: (script: string) => ExecResult | InfraError) {}
  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    this.calls.push(script);
    if (this.auto) {
      const r = this.auto(script);
      return r instanceof InfraError ? Promise.reject(r) : Promise.resolve(r);
    }
    return new Promise((resolve, reject) => this.pending.push({ script, resolve, reject, options }));
  }
}

export function ok(stdout: string, exitCode = 0, stderr = ''): ExecResult {
  return { stdout, stderr, exitCode, exitSignal: null, bytes: stdout.length + stderr.length, durationMs: 1 };
}
