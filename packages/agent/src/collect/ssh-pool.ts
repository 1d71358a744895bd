/**
 * The SSH pool: one HostConnection per host (by host name), a global channel
 * limit shared by all hosts, aggregated stats, and the lifecycle.
 *
 *   const pool = new SshPool({ limits: config.limits, hostKeyStore, logger });
 *   const t = pool.transportFor(host);       // Transport
 *   await t.exec(script, { timeoutMs, maxOutputBytes, signal });
 *   await pool.close();                      // drain, then disconnect
 *
 * Slot order for a command: the host's FIFO queue first, then the global
 * queue, so a busy host never holds global slots while it waits for its own.
 */
import { InfraError } from '@infrastructor/shared';
import type { AgentConfig } from '../config/agent-config.js';
import type { ExecResult, Transport } from './transport.js';
import { Semaphore } from './semaphore.js';
import type { HostKeyStore } from './host-key-verifier.js';
import {
  HostConnection,
  type ConnectSocket,
  type HostConnectionOptions,
  type HostConnectionStats,
  type SshExecOptions,
  type SshHostTarget,
} from './host-connection.js';
import type { Client } from 'ssh2';
import type { Clock, CollectLogger, Timers } from './runtime.js';

export type SshPoolLimits = Pick<
  AgentConfig['limits'],
  'globalConcurrency' | 'perHostConcurrency' | 'connectTimeoutMs' | 'idleTimeoutMs' | 'keepaliveIntervalMs'
> & {
  keepaliveCountMax?: number;
  killTimeoutMs?: number;
  disconnectTimeoutMs?: number;
};

export interface SshPoolOptions {
  /** AgentConfig['limits'] fits (extra keys are ignored). */
  limits: SshPoolLimits;
  hostKeyStore?: HostKeyStore;
  logger?: CollectLogger;
  clock?: Clock;
  timers?: Timers;
  /** Test seams. */
  connectSocket?: ConnectSocket;
  createClient?: () => Client;
  readFile?: (path: string) => Promise<Buffer>;
  /** Replace HostConnection entirely (tests). */
  createConnection?: (options: HostConnectionOptions) => HostConnection;
}

export interface SshPoolStats {
  hosts: number;
  connectionsOpened: number;
  connectionsReused: number;
  connectionsClosed: number;
  connectionsIdleClosed: number;
  connectFailures: number;
  /** Connections currently up or being set up. */
  connectionsActive: number;
  channelsActive: number;
  /** Commands waiting for a host or global slot. */
  queueDepth: number;
  globalSlotsActive: number;
  globalQueueDepth: number;
  perHost: HostConnectionStats[];
  state: 'open' | 'closing' | 'closed' | 'destroyed';
}

function hostKey(h: SshHostTarget): string {
  return JSON.stringify([h.address, h.port, h.user, h.privateKeyPath ?? null, h.hostKey ?? null, h.knownHostsPath ?? null, h.hostKeyPolicy]);
}

export class SshPool {
  readonly #o: SshPoolOptions;
  readonly #global: Semaphore;
  readonly #hosts = new Map<string, { conn: HostConnection; key: string }>();
  /** Counters of connections replaced after a host's settings changed. */
  readonly #retired: HostConnection[] = [];
  #closing = false;
  #destroyed = false;
  #closed = false;
  #closePromise: Promise<void> | undefined;

  constructor(options: SshPoolOptions) {
    this.#o = options;
    this.#global = new Semaphore(options.limits.globalConcurrency);
  }

  /** The Transport for one host. Cheap; the connection is shared per host name. */
  transportFor(host: SshHostTarget): Transport & { exec(script: string, options: SshExecOptions): Promise<ExecResult> } {
    return { exec: (script, options) => this.exec(host, script, options) };
  }

  exec(host: SshHostTarget, script: string, options: SshExecOptions): Promise<ExecResult> {
    if (this.#destroyed) return Promise.reject(new InfraError('POOL_DESTROYED', 'the SSH pool was destroyed', { details: { host: host.name } }));
    if (this.#closing) return Promise.reject(new InfraError('POOL_CLOSED', 'the SSH pool is closed', { details: { host: host.name } }));
    return this.#connectionFor(host).exec(script, options);
  }

  #connectionFor(host: SshHostTarget): HostConnection {
    const key = hostKey(host);
    const existing = this.#hosts.get(host.name);
    if (existing && existing.key === key) return existing.conn;
    if (existing) {
      // Settings changed (config reload): let the old one drain in the background.
      this.#retired.push(existing.conn);
      void existing.conn.close();
    }
    const l = this.#o.limits;
    const options: HostConnectionOptions = {
      host: { ...host },
      perHostConcurrency: l.perHostConcurrency,
      globalLimiter: this.#global,
      connectTimeoutMs: l.connectTimeoutMs,
      idleTimeoutMs: l.idleTimeoutMs,
      keepaliveIntervalMs: l.keepaliveIntervalMs,
      hostKeyStore: this.#o.hostKeyStore,
    };
    if (l.keepaliveCountMax !== undefined) options.keepaliveCountMax = l.keepaliveCountMax;
    if (l.killTimeoutMs !== undefined) options.killTimeoutMs = l.killTimeoutMs;
    if (l.disconnectTimeoutMs !== undefined) options.disconnectTimeoutMs = l.disconnectTimeoutMs;
    if (this.#o.connectSocket) options.connectSocket = this.#o.connectSocket;
    if (this.#o.createClient) options.createClient = this.#o.createClient;
    if (this.#o.readFile) options.readFile = this.#o.readFile;
    if (this.#o.clock) options.clock = this.#o.clock;
    if (this.#o.timers) options.timers = this.#o.timers;
    if (this.#o.logger) options.logger = this.#o.logger;
    const conn = (this.#o.createConnection ?? ((o) => new HostConnection(o)))(options);
    this.#hosts.set(host.name, { conn, key });
    return conn;
  }

  stats(): SshPoolStats {
    const all = [...this.#retired, ...[...this.#hosts.values()].map((h) => h.conn)].map((c) => c.stats());
    const sum = (k: keyof HostConnectionStats): number => all.reduce((n, s) => n + (s[k] as number), 0);
    return {
      hosts: this.#hosts.size,
      connectionsOpened: sum('connectionsOpened'),
      connectionsReused: sum('connectionsReused'),
      connectionsClosed: sum('connectionsClosed'),
      connectionsIdleClosed: sum('connectionsIdleClosed'),
      connectFailures: sum('connectFailures'),
      connectionsActive: all.filter((s) => s.state === 'ready' || s.state === 'connecting' || s.state === 'closing').length,
      channelsActive: sum('channelsActive'),
      queueDepth: sum('queueDepth'),
      globalSlotsActive: this.#global.active,
      globalQueueDepth: this.#global.waiting,
      perHost: [...this.#hosts.values()].map((h) => h.conn.stats()),
      state: this.#destroyed ? 'destroyed' : this.#closed ? 'closed' : this.#closing ? 'closing' : 'open',
    };
  }

  /** Refuse new commands, let accepted ones finish, then disconnect every host. */
  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closing = true;
    const conns = [...this.#retired, ...[...this.#hosts.values()].map((h) => h.conn)];
    this.#closePromise = Promise.all(conns.map((c) => c.close())).then(() => {
      this.#closed = true;
    });
    return this.#closePromise;
  }

  /** Reject queued and running commands with POOL_DESTROYED (remote processes get SIGKILL) and disconnect now. */
  destroy(reason?: unknown): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closing = true;
    for (const c of [...this.#retired, ...[...this.#hosts.values()].map((h) => h.conn)]) c.destroy(reason);
  }
}
