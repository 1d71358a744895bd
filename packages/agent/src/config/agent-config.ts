/**
 * The validated, frozen agent configuration. Produced only by
 * config/load-config.ts from one YAML file; see docs/configuration.md.
 * Keys are camelCase in YAML too. Every duration/size key carries its unit.
 */
import type { ParamSpec } from '../registry/command-spec.js';
import type { Secret } from './secret.js';

export type HostKeyPolicy = 'strict' | 'tofu';

export interface CommandOverride {
  enabled?: boolean;
  schedule?: string;
  ttlMs?: number;
  timeoutMs?: number;
  retries?: number;
  /**
   * Values validated against the command's ParamSpecs at load (normalised:
   * a comma-separated list string becomes an array). Defaults not applied.
   */
  params?: Readonly<Record<string, string | number | readonly string[]>>;
}

/**
 * One host. For `transport: local` the SSH keys are not allowed in the file;
 * the loader fills address 'localhost', port 0, user '' and leaves the
 * optional paths/pin undefined.
 */
export interface HostConfig {
  name: string;
  transport: 'ssh' | 'local';
  /** ssh only (hostname or IP). */
  address: string;
  port: number;
  /** ssh only; defaults to ssh.defaultUser. */
  user: string;
  /** Absolute path; always set for ssh hosts (host value or ssh.defaultPrivateKeyPath). */
  privateKeyPath?: string;
  /** Pinned host key fingerprint, "SHA256:<base64>" as ssh-keygen -lf prints it. */
  hostKey?: string;
  /** Absolute path of an OpenSSH known_hosts file to check the host key against. */
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

/** The hub this agent streams to (config key `hub`; see docs/configuration.md#hub). */
export interface HubConfig {
  /** ws:// or wss:// URL of the hub's agent endpoint; `/agent` when the URL had no path. */
  url: string;
  /** Sent in hello; defaults to `site`. */
  agentId: string;
  /** The token written inline (`hub.token`); exactly one of token / tokenFile is set. */
  token?: Secret;
  /** Absolute path of a file holding the token; read when the agent starts. */
  tokenFile?: string;
  /** Absolute path of a PEM file with the CA(s) that signed the hub's certificate (wss:// only). */
  caFile?: string;
  /** Allows ws:// (unencrypted). Never turns certificate checks off. */
  insecure: boolean;
  batchMaxRecords: number;
  batchMaxBytes: number;
  windowMaxRecords: number;
  windowMaxBytes: number;
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  pingIntervalMs: number;
  statusIntervalMs: number;
}

export interface AgentConfig {
  site: string;
  hosts: readonly HostConfig[];
  /** Overrides for every host, by command name. */
  commands: Readonly<Record<string, CommandOverride>>;
  userCommands: Readonly<Record<string, UserCommandConfig>>;
  /** Defaults for ssh hosts (already applied to `hosts`). */
  ssh: {
    defaultUser: string;
    /** Absolute path. */
    defaultPrivateKeyPath?: string;
  };
  storage: {
    /** SQLite file, absolute (relative paths in the file resolve against its folder). */
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
  schedule: {
    enabled: boolean;
    jitterMs: number;
    /** Collect every enabled job once at start (spread by jitter) instead of waiting for its first tick. */
    runOnStart: boolean;
  };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' };
  /** Absent: the agent runs stand-alone and records wait in the outbox. */
  hub?: HubConfig;
  /** Absolute path of the file this came from. */
  sourcePath: string;
}
