/**
 * The validated, frozen agent configuration. Produced only by
 * config/load-config.ts from one YAML file; see docs/configuration.md.
 * Keys are camelCase in YAML too. Every duration/size key carries its unit.
 */
import type { ParamSpec } from '../registry/command-spec.js';

export type HostKeyPolicy = 'strict' | 'tofu';

export interface CommandOverride {
  enabled?: boolean;
  schedule?: string;
  ttlMs?: number;
  timeoutMs?: number;
  retries?: number;
  /** Raw values from YAML; validated against the command's ParamSpecs at load. */
  params?: Readonly<Record<string, string | number | readonly string[]>>;
}

export interface HostConfig {
  name: string;
  transport: 'ssh' | 'local';
  /** ssh only. */
  address: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  /** Pinned host key fingerprint, "SHA256:<base64>" as ssh-keygen -lf prints it. */
  hostKey?: string;
  knownHostsPath?: string;
  hostKeyPolicy: HostKeyPolicy;
  tags: readonly string[];
  /** Per-host command overrides; win over the top-level `commands`. */
  commands: Readonly<Record<string, CommandOverride>>;
}

export interface UserCommandConfig {
  description: string;
  /** Shell line with {{param}} placeholders; each becomes one quoted word. */
  template: string;
  params: Readonly<Record<string, ParamSpec>>;
  /** 'json' | 'lines' | 'raw' | a built-in parser name from the catalog. */
  parser: string;
  schedule: string;
  ttlMs: number;
  timeoutMs: number;
  retries: number;
  enabled: boolean;
}

export interface AgentConfig {
  site: string;
  hosts: readonly HostConfig[];
  /** Overrides for every host, by command name. */
  commands: Readonly<Record<string, CommandOverride>>;
  userCommands: Readonly<Record<string, UserCommandConfig>>;
  storage: {
    /** SQLite file. Relative paths resolve against the config file's folder. */
    path: string;
    synchronous: 'FULL' | 'NORMAL';
    historyRetentionMs: number;
    auditRetentionMs: number;
    outboxMaxBytes: number;
    outboxMaxAgeMs: number;
  };
  limits: {
    globalConcurrency: number;
    perHostConcurrency: number;
    maxOutputBytes: number;
    connectTimeoutMs: number;
    idleTimeoutMs: number;
    keepaliveIntervalMs: number;
    shutdownTimeoutMs: number;
  };
  cache: { maxEntries: number };
  schedule: { enabled: boolean; jitterMs: number };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' };
  /** Absolute path of the file this came from. */
  sourcePath: string;
}
