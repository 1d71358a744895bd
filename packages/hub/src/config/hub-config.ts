/**
 * The hub's configuration, as validated and frozen by loadHubConfig.
 * Defaults are here and in docs/hub-configuration.md (kept in step by a test).
 */
import type { Role } from '@infrastructor/shared';
import { DEFAULT_AGENT_MAX_PAYLOAD_BYTES, DEFAULT_SUBSCRIBER_MAX_PAYLOAD_BYTES } from '@infrastructor/shared';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MIB = 1024 * 1024;

export const LISTEN_DEFAULTS = { host: '127.0.0.1', port: 7400 } as const;

export const STORAGE_DEFAULTS = {
  path: './infra-hub.db',
  synchronous: 'FULL',
  auditRetentionMs: 30 * DAY_MS,
  changeRetentionMs: 30 * DAY_MS,
} as const;

export const LIMITS_DEFAULTS = {
  agentMaxPayloadBytes: DEFAULT_AGENT_MAX_PAYLOAD_BYTES,
  subscriberMaxPayloadBytes: DEFAULT_SUBSCRIBER_MAX_PAYLOAD_BYTES,
  helloTimeoutMs: 10_000,
  pingIntervalMs: 15_000,
  requestDedupeTtlMs: 10 * MINUTE_MS,
  maxPendingRequestsPerAgent: 1000,
  staleGraceMs: 60_000,
  staleCheckIntervalMs: 5_000,
  maintenanceIntervalMs: 10 * MINUTE_MS,
  shutdownTimeoutMs: 5_000,
} as const;

export const FANOUT_DEFAULTS = { coalesceMs: 5, maxBufferedBytes: 8 * MIB, resumeBufferEvents: 10_000 } as const;

export const LOG_DEFAULTS = { level: 'info' } as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An agent allowed to connect. Its token binds the id and the site. */
export interface AgentEntry {
  id: string;
  site: string;
  /** Hex SHA-256 of the token (the token itself is never kept). */
  tokenSha256: string;
}

export interface SubscriberEntry {
  name: string;
  role: Role;
  /** Site names, or ['*'] for every site. */
  sites: readonly string[];
  tokenSha256: string;
}

export interface HubConfig {
  listen: { host: string; port: number };
  /** Absent: plain ws, only with insecure: true. */
  tls?: { certFile: string; keyFile: string };
  insecure: boolean;
  storage: { path: string; synchronous: 'FULL' | 'NORMAL'; auditRetentionMs: number; changeRetentionMs: number };
  agents: readonly AgentEntry[];
  subscribers: readonly SubscriberEntry[];
  limits: { -readonly [K in keyof typeof LIMITS_DEFAULTS]: number };
  /** Passed through to the subscriber side (fan-out). */
  fanout: { coalesceMs: number; maxBufferedBytes: number; resumeBufferEvents: number };
  log: { level: LogLevel };
  /** Absolute path of the file it was read from. */
  sourcePath: string;
}
