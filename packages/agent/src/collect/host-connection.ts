/**
 * One SSH connection (one ssh2 Client) per host, shared by every command for
 * that host: connected lazily, reused, replaced when it dies, closed after
 * idleTimeoutMs without work. Channels per host are limited by a FIFO
 * semaphore; an optional shared semaphore adds the global limit.
 *
 * Lifecycle (undici-style): close() refuses new work, lets accepted commands
 * (queued and running) finish, then ends the connection. destroy() rejects
 * everything now with POOL_DESTROYED. Both are safe to call twice.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFile as fsReadFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2'; // CommonJS: named ESM imports of Client/utils fail at runtime in Node
import type { Client, ConnectConfig } from 'ssh2';
import { InfraError, isInfraError } from '@infrastructor/shared';
import type { HostKeyPolicy } from '../config/agent-config.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { Semaphore, type Release } from './semaphore.js';
import { HostKeyVerifier, type HostKeyStore } from './host-key-verifier.js';
import { execOnClient, isBinSh, isChannelOpenError, killScript, runQuick } from './exec-channel.js';
import { mapSshError, sshDetails, type SshErrorContext } from './ssh-errors.js';
import { silentLogger, systemClock, systemTimers, type Clock, type CollectLogger, type TimerHandle, type Timers } from './runtime.js';

/** The subset of HostConfig the SSH layer needs (HostConfig satisfies it). */
export interface SshHostTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath?: string | undefined;
  hostKey?: string | undefined;
  knownHostsPath?: string | undefined;
  hostKeyPolicy: HostKeyPolicy;
}

export interface SshExecOptions extends ExecOptions {
  /** For error details and logs. */
  commandName?: string;
}

/** Opens the TCP stream to the host. Default: net.connect with no-delay and TCP keepalive. */
export type ConnectSocket = (target: { address: string; port: number; keepaliveIntervalMs: number }) => Duplex;

export const defaultConnectSocket: ConnectSocket = ({ address, port, keepaliveIntervalMs }) => {
  const sock: Socket = netConnect({ host: address, port });
  // Measured: 46 ms → 3 ms per command on loopback (Nagle vs delayed ACK).
  sock.setNoDelay(true);
  sock.setKeepAlive(true, Math.max(1000, keepaliveIntervalMs));
  return coalesceWrites(sock);
};

/**
 * With no-delay on, every socket.write() is its own syscall and TCP segment.
 * ssh2 (without its optional native crypto binding) writes each packet in
 * three pieces (length, ciphertext, tag), so one command cost 9 writes. Cork
 * on the first write of a tick and uncork on the next tick: everything ssh2
 * writes in one go leaves as one writev (one segment), still without waiting
 * for anything (process.nextTick runs before any I/O).
 */
export function coalesceWrites(sock: Socket): Socket {
  const write = sock.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
  return sock;
}

export interface HostConnectionOptions {
  host: SshHostTarget;
  perHostConcurrency: number;
  /** Shared across hosts for the global limit. */
  globalLimiter?: Semaphore | undefined;
  /** TCP connect + SSH handshake + auth. */
  connectTimeoutMs: number;
  /** Close the connection after this long without commands; <= 0 keeps it open. */
  idleTimeoutMs: number;
  /** SSH-level keepalive (ssh2 keepaliveInterval); 0 disables. */
  keepaliveIntervalMs: number;
  /** Unanswered keepalives before the connection counts as dead. Default 3. */
  keepaliveCountMax?: number;
  /** Bound on the out-of-band remote kill after timeout/abort. Default 5000. */
  killTimeoutMs?: number;
  /** How long close()/idle close waits for a clean disconnect before destroying the socket. Default 2000. */
  disconnectTimeoutMs?: number;
  hostKeyStore?: HostKeyStore | undefined;
  connectSocket?: ConnectSocket;
  createClient?: () => Client;
  /** Reads the private key and known_hosts. Default fs.readFile. */
  readFile?: (path: string) => Promise<Buffer>;
  clock?: Clock;
  timers?: Timers;
  logger?: CollectLogger;
}

export interface HostConnectionStats {
  host: string;
  state: 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' | 'destroyed';
  connectionsOpened: number;
  connectionsReused: number;
  connectionsClosed: number;
  connectionsIdleClosed: number;
  connectFailures: number;
  channelsActive: number;
  /** Commands waiting for a host or global slot. */
  queueDepth: number;
  /** Commands accepted and not finished (queued + connecting + running). */
  inFlight: number;
}

type LiveState = 'connecting' | 'ready' | 'closing' | 'dead';

interface Live {
  id: number;
  state: LiveState;
  /** Channel opens not answered yet (a disconnect must wait for them, or their KILL is lost). */
  opening: number;
  openingDone: Array<() => void>;
  client: Client | undefined;
  ready: Promise<void>;
  /** Execs running on this connection, aborted when it dies. */
  running: Set<AbortController>;
  lastError: InfraError | undefined;
  closed: Promise<void>;
  markClosed: () => void;
  /** A command's marker said the login shell is /bin/sh: run scripts in it directly (exec-channel.ts). */
  loginShellIsSh: boolean;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export class HostConnection implements Transport {
  readonly host: SshHostTarget;
  readonly #o: HostConnectionOptions;
  readonly #slots: Semaphore;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #log: CollectLogger;
  readonly #readFile: (path: string) => Promise<Buffer>;

  #live: Live | undefined;
  #liveSeq = 0;
  #key: Promise<Buffer> | undefined;
  #idleTimer: TimerHandle | undefined;
  readonly #pending = new Set<AbortController>();
  #queued = 0;
  #running = 0;
  #closing = false;
  #destroyed = false;
  #closePromise: Promise<void> | undefined;
  #drainWaiters: Array<() => void> = [];

  #opened = 0;
  #reused = 0;
  #closedCount = 0;
  #idleClosed = 0;
  #connectFailures = 0;

  constructor(options: HostConnectionOptions) {
    this.#o = options;
    this.host = options.host;
    this.#slots = new Semaphore(options.perHostConcurrency);
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#log = options.logger ?? silentLogger;
    this.#readFile = options.readFile ?? ((p) => fsReadFile(p));
  }

  #ctx(commandName?: string, phase: SshErrorContext['phase'] = 'session'): SshErrorContext {
    const ctx: SshErrorContext = {
      host: this.host.name,
      address: this.host.address,
      port: this.host.port,
      user: this.host.user,
      phase,
    };
    if (commandName !== undefined) ctx.commandName = commandName;
    return ctx;
  }

  get closed(): boolean {
    return this.#closing || this.#destroyed;
  }

  stats(): HostConnectionStats {
    let state: HostConnectionStats['state'];
    if (this.#destroyed) state = 'destroyed';
    else if (this.#closing) state = this.#live && this.#live.state !== 'dead' ? 'closing' : 'closed';
    else if (!this.#live || this.#live.state === 'dead') state = 'idle';
    else state = this.#live.state === 'closing' ? 'closing' : this.#live.state;
    return {
      host: this.host.name,
      state,
      connectionsOpened: this.#opened,
      connectionsReused: this.#reused,
      connectionsClosed: this.#closedCount,
      connectionsIdleClosed: this.#idleClosed,
      connectFailures: this.#connectFailures,
      channelsActive: this.#running,
      queueDepth: this.#queued,
      inFlight: this.#pending.size,
    };
  }

  // ------------------------------------------------------------------ exec

  async exec(script: string, options: SshExecOptions): Promise<ExecResult> {
    const ctx = this.#ctx(options.commandName);
    if (this.#destroyed) throw new InfraError('POOL_DESTROYED', `ssh ${this.host.name}: the SSH pool was destroyed`, { details: sshDetails(ctx) });
    if (this.#closing) throw new InfraError('POOL_CLOSED', `ssh ${this.host.name}: the SSH pool is closed`, { details: sshDetails(ctx) });

    const ctl = new AbortController();
    let phase: 'queue' | 'connect' | 'run' = 'queue';
    const what = options.commandName ? `command ${options.commandName}` : 'the command';
    const timer = this.#timers.setTimeout(() => {
      ctl.abort(
        new InfraError('EXEC_TIMEOUT', `ssh ${this.host.name}: ${what} did not finish within ${options.timeoutMs} ms (${phase === 'run' ? 'killed' : `still ${phase === 'queue' ? 'queued' : 'connecting'}`})`, {
          details: sshDetails(ctx, { timeoutMs: options.timeoutMs, phase }),
        }),
      );
    }, options.timeoutMs);
    const userSignal = options.signal;
    const onUserAbort = (): void => {
      ctl.abort(
        isInfraError(userSignal?.reason)
          ? userSignal.reason
          : new InfraError('ABORTED', `ssh ${this.host.name}: ${what} was aborted`, { cause: userSignal?.reason, details: sshDetails(ctx, { phase }) }),
      );
    };
    if (userSignal?.aborted) onUserAbort();
    else userSignal?.addEventListener('abort', onUserAbort, { once: true });

    this.#pending.add(ctl);
    this.#cancelIdle();
    let releaseHost: Release | undefined;
    let releaseGlobal: Release | undefined;
    let counted: 'queued' | 'running' | undefined = 'queued';
    this.#queued++;
    try {
      releaseHost = await this.#slots.acquire(ctl.signal);
      if (this.#o.globalLimiter) releaseGlobal = await this.#o.globalLimiter.acquire(ctl.signal);
      this.#queued--;
      counted = undefined;
      phase = 'connect';
      for (let attempt = 1; ; attempt++) {
        const { live, fresh } = await this.#acquireLive(ctl.signal);
        phase = 'run';
        live.running.add(ctl);
        this.#running++;
        counted = 'running';
        live.opening++;
        try {
          return await execOnClient(live.client!, script, {
            maxOutputBytes: options.maxOutputBytes,
            signal: ctl.signal,
            killRemote: (pgid) => this.#killRemote(live, pgid),
            errorContext: ctx,
            clock: this.#clock,
            timers: this.#timers,
            onOpenSettled: () => {
              if (--live.opening === 0) for (const done of live.openingDone.splice(0)) done();
            },
            loginShellIsSh: live.loginShellIsSh,
            onLoginShell: (shell) => {
              if (isBinSh(shell)) live.loginShellIsSh = true;
            },
          });
        } catch (err) {
          // A reused connection that turned out dead before the channel opened:
          // nothing ran, so replace the connection once and try again.
          if (attempt === 1 && !fresh && !ctl.signal.aborted && isChannelOpenError(err) && (live.state !== 'ready' || looksDisconnected(err))) {
            this.#log.debug({ host: this.host.name, code: (err as InfraError).code }, 'ssh: stale connection, reconnecting');
            this.#retire(live);
            continue;
          }
          throw err;
        } finally {
          live.running.delete(ctl);
          this.#running--;
          counted = undefined;
        }
      }
    } catch (err) {
      throw withCommand(err, options.commandName);
    } finally {
      if (counted === 'queued') this.#queued--;
      this.#timers.clearTimeout(timer);
      userSignal?.removeEventListener('abort', onUserAbort);
      releaseGlobal?.();
      releaseHost?.();
      this.#pending.delete(ctl);
      this.#afterExec();
    }
  }

  #afterExec(): void {
    if (this.#pending.size > 0) return;
    if (this.#closing) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
      return;
    }
    this.#scheduleIdle();
  }

  /** Stop using a connection that turned out dead; its 'close' event does the bookkeeping. */
  #retire(live: Live): void {
    if (this.#live === live) this.#live = undefined;
    if (live.state === 'dead') return;
    live.state = 'closing';
    try {
      live.client?.destroy();
    } catch {
      /* ignore */
    }
  }

  async #killRemote(live: Live, pgid: number): Promise<void> {
    if (live.state !== 'ready' || !live.client) return;
    if (this.#destroyed) return; // destroy(): the KILL signal request is all we wait for
    await runQuick(live.client, killScript(pgid), this.#o.killTimeoutMs ?? 5000, this.#timers);
  }

  // ------------------------------------------------------------ connection

  async #acquireLive(signal: AbortSignal): Promise<{ live: Live; fresh: boolean }> {
    let live = this.#live;
    let fresh = false;
    if (live && live.state === 'ready') {
      this.#reused++;
    } else if (live && live.state === 'connecting') {
      this.#reused++;
    } else {
      live = this.#openLive();
      fresh = true;
    }
    await raceAbort(live.ready, signal);
    return { live, fresh };
  }

  async #loadKey(): Promise<Buffer> {
    this.#key ??= this.#readKey().catch((err: unknown) => {
      this.#key = undefined; // the operator may fix the file; read again next time
      throw err;
    });
    return this.#key;
  }

  async #readKey(): Promise<Buffer> {
    const ctx = this.#ctx(undefined, 'connect');
    const explicit = this.host.privateKeyPath;
    const candidates = explicit ? [explicit] : DEFAULT_KEYS.map((k) => join(homedir(), '.ssh', k));
    const failures: string[] = [];
    for (const path of candidates) {
      let data: Buffer;
      try {
        data = await this.#readFile(path);
      } catch (err) {
        if (explicit) {
          throw new InfraError('SSH_KEY_READ_FAILED', `ssh ${this.host.name}: ${keyReadProblem(path, err)}`, {
            cause: err,
            details: sshDetails(ctx, { privateKeyPath: path, errno: (err as NodeJS.ErrnoException).code }),
          });
        }
        failures.push(path);
        continue;
      }
      const parsed = ssh2.utils.parseKey(data);
      if (parsed instanceof Error) {
        // Message from the parser names the problem, never the key material.
        throw new InfraError('SSH_KEY_READ_FAILED', `ssh ${this.host.name}: private key ${path} is not usable: ${parsed.message} (point privateKeyPath at an OpenSSH private key without a passphrase)`, {
          details: sshDetails(ctx, { privateKeyPath: path }),
        });
      }
      return data;
    }
    throw new InfraError('SSH_KEY_READ_FAILED', `ssh ${this.host.name}: no privateKeyPath configured and none of ${failures.join(', ')} could be read`, {
      details: sshDetails(ctx, { tried: failures }),
    });
  }

  #openLive(): Live {
    let markClosed!: () => void;
    const closed = new Promise<void>((r) => (markClosed = r));
    const live: Live = {
      id: ++this.#liveSeq,
      state: 'connecting',
      opening: 0,
      openingDone: [],
      client: undefined,
      ready: Promise.resolve(),
      running: new Set(),
      lastError: undefined,
      closed,
      markClosed,
      loginShellIsSh: false,
    };
    this.#live = live;
    live.ready = this.#connect(live);
    live.ready.catch(() => undefined); // observed by every waiter; avoid unhandled rejections
    return live;
  }

  async #connect(live: Live): Promise<void> {
    const ctx = this.#ctx(undefined, 'connect');
    const started = this.#clock.now();
    try {
      const key = await this.#loadKey();
      const verifier = new HostKeyVerifier({
        hostName: this.host.name,
        address: this.host.address,
        port: this.host.port,
        pinnedFingerprint: this.host.hostKey,
        knownHostsPath: this.host.knownHostsPath,
        policy: this.host.hostKeyPolicy,
        store: this.#o.hostKeyStore,
        readFile: this.#readFile,
      });
      const serverHostKey = await verifier.preferredAlgorithms();
      if (this.#destroyed) throw new InfraError('POOL_DESTROYED', `ssh ${this.host.name}: the SSH pool was destroyed`, { details: sshDetails(ctx) });
      await new Promise<void>((resolve, reject) => {
        const client = (this.#o.createClient ?? (() => new ssh2.Client()))();
        live.client = client;
        let hostKeyError: InfraError | undefined;
        let settled = false;
        const fail = (err: InfraError): void => {
          if (settled) return;
          settled = true;
          this.#timers.clearTimeout(timer);
          live.state = 'dead';
          live.lastError = err;
          try {
            client.destroy();
          } catch {
            /* ignore */
          }
          reject(err);
        };
        const timer = this.#timers.setTimeout(() => {
          fail(
            new InfraError('SSH_CONNECT_TIMEOUT', `ssh ${this.host.name} (${this.host.address}:${this.host.port}): no SSH session within ${this.#o.connectTimeoutMs} ms`, {
              details: sshDetails(ctx, { connectTimeoutMs: this.#o.connectTimeoutMs }),
            }),
          );
        }, this.#o.connectTimeoutMs);

        client.on('ready', () => {
          if (settled) return;
          settled = true;
          this.#timers.clearTimeout(timer);
          live.state = 'ready';
          this.#opened++;
          this.#log.debug({ host: this.host.name, connection: live.id, ms: Math.round(this.#clock.now() - started) }, 'ssh: connected');
          resolve();
        });
        client.on('error', (err: unknown) => {
          const mapped = hostKeyError ?? mapSshError(err, { ...ctx, phase: settled ? 'session' : 'connect' });
          live.lastError = mapped;
          if (!settled) fail(mapped);
          else this.#log.warn({ host: this.host.name, code: mapped.code, err: mapped.message }, 'ssh: connection error');
        });
        client.on('close', () => this.#onClose(live, settled ? undefined : fail));

        let sock: Duplex;
        try {
          sock = (this.#o.connectSocket ?? defaultConnectSocket)({
            address: this.host.address,
            port: this.host.port,
            keepaliveIntervalMs: this.#o.keepaliveIntervalMs,
          });
        } catch (err) {
          fail(mapSshError(err, ctx));
          return;
        }
        const config: ConnectConfig = {
          sock,
          username: this.host.user,
          privateKey: key,
          readyTimeout: 0, // our own timer covers TCP connect + handshake + auth
          keepaliveInterval: this.#o.keepaliveIntervalMs > 0 ? this.#o.keepaliveIntervalMs : 0,
          keepaliveCountMax: this.#o.keepaliveCountMax ?? 3,
          hostVerifier: (blob: Buffer, verify: (ok: boolean) => void): void => {
            verifier.verify(blob).then(
              (decision) => {
                if (!decision.ok) hostKeyError = decision.error;
                else if (decision.source === 'tofu') {
                  this.#log.info({ host: this.host.name, fingerprint: decision.fingerprint, keyType: decision.keyType }, 'ssh: host key pinned on first use');
                }
                verify(decision.ok);
              },
              (err: unknown) => {
                hostKeyError = isInfraError(err)
                  ? err
                  : new InfraError('SSH_HOST_KEY_UNKNOWN', `ssh ${this.host.name}: host key could not be verified: ${String(err)}`, { cause: err, details: sshDetails(ctx) });
                verify(false);
              },
            );
          },
        };
        if (serverHostKey) config.algorithms = { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
        try {
          client.connect(config);
        } catch (err) {
          fail(mapSshError(err, ctx));
        }
      });
      if (this.#destroyed || (this.#closing && this.#pending.size === 0)) {
        // close()/destroy() raced with the handshake and nobody waits for it.
        void this.#endLive(live, this.#destroyed);
      } else if (this.#pending.size === 0) {
        this.#scheduleIdle(); // whoever asked for it gave up (timeout/abort)
      }
    } catch (err) {
      live.state = 'dead';
      this.#connectFailures++;
      if (this.#live === live) this.#live = undefined;
      live.markClosed();
      const e = isInfraError(err) ? err : mapSshError(err, ctx);
      this.#log.debug({ host: this.host.name, code: e.code }, 'ssh: connect failed');
      throw e;
    }
  }

  #onClose(live: Live, failConnect: ((err: InfraError) => void) | undefined): void {
    const wasUp = live.state === 'ready' || live.state === 'closing';
    if (failConnect) {
      failConnect(
        live.lastError ??
          new InfraError('SSH_CONNECTION_LOST', `ssh ${this.host.name} (${this.host.address}:${this.host.port}): the connection closed during the handshake`, {
            details: sshDetails(this.#ctx(undefined, 'connect')),
          }),
      );
    }
    live.state = 'dead';
    if (this.#live === live) this.#live = undefined;
    if (wasUp) {
      this.#closedCount++;
      this.#log.debug({ host: this.host.name, connection: live.id }, 'ssh: connection closed');
    }
    if (live.running.size > 0) {
      const cause = live.lastError;
      const lost = new InfraError(
        'SSH_CONNECTION_LOST',
        `ssh ${this.host.name} (${this.host.address}:${this.host.port}): the connection closed while a command was running${cause ? `: ${cause.message}` : ''}`,
        { cause, details: sshDetails(this.#ctx()) },
      );
      for (const ctl of live.running) ctl.abort(lost);
    }
    live.markClosed();
  }

  /**
   * End a connection: graceful disconnect, destroyed if it does not close in
   * time (or at once when `now`). Channels still opening get their KILL signal
   * when the open is answered, so the disconnect waits for them (bounded).
   */
  #endLive(live: Live, now: boolean, waitForOpenings = true): Promise<void> {
    if (!now && waitForOpenings && live.opening > 0 && live.state !== 'dead') {
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        this.#timers.clearTimeout(t);
        void this.#endLive(live, false, false);
      };
      const t = this.#timers.setTimeout(end, this.#o.disconnectTimeoutMs ?? 2000);
      live.openingDone.push(end);
      return live.closed;
    }
    const client = live.client;
    if (live.state === 'dead' || !client) return live.closed;
    if (live.state !== 'connecting') live.state = 'closing';
    if (now) {
      try {
        client.end(); // flushes what is queued (channel signals) before the socket goes
      } catch {
        /* ignore */
      }
      try {
        client.destroy();
      } catch {
        /* ignore */
      }
      return live.closed;
    }
    try {
      client.end();
    } catch {
      /* ignore */
    }
    const t = this.#timers.setTimeout(() => {
      try {
        client.destroy();
      } catch {
        /* ignore */
      }
    }, this.#o.disconnectTimeoutMs ?? 2000);
    void live.closed.then(() => this.#timers.clearTimeout(t));
    return live.closed;
  }

  // ----------------------------------------------------------------- idle

  #cancelIdle(): void {
    if (this.#idleTimer !== undefined) {
      this.#timers.clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    }
  }

  #scheduleIdle(): void {
    this.#cancelIdle();
    const live = this.#live;
    if (!live || live.state !== 'ready' || this.#o.idleTimeoutMs <= 0) return;
    this.#idleTimer = this.#timers.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#pending.size > 0 || this.#live !== live || live.state !== 'ready') return;
      this.#idleClosed++;
      this.#log.debug({ host: this.host.name, connection: live.id }, 'ssh: closing idle connection');
      this.#live = undefined;
      void this.#endLive(live, false);
    }, this.#o.idleTimeoutMs);
  }

  // ------------------------------------------------------------ lifecycle

  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closing = true;
    this.#cancelIdle();
    this.#closePromise = (async () => {
      if (this.#pending.size > 0) await new Promise<void>((r) => this.#drainWaiters.push(r));
      const live = this.#live;
      if (live) await this.#endLive(live, false);
    })();
    return this.#closePromise;
  }

  destroy(reason?: unknown): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closing = true;
    this.#cancelIdle();
    const err = new InfraError('POOL_DESTROYED', `ssh ${this.host.name}: the SSH pool was destroyed`, {
      cause: reason,
      details: sshDetails(this.#ctx()),
    });
    // Aborting sends the KILL signal request on every running channel
    // (synchronously) before the disconnect below.
    for (const ctl of this.#pending) ctl.abort(err);
    const live = this.#live;
    if (live) void this.#endLive(live, false);
  }
}

/** Errors shared by every waiter (a failed connect) do not name the command: add it. */
function withCommand(err: unknown, commandName: string | undefined): unknown {
  if (commandName === undefined || !(err instanceof InfraError) || err.details.command !== undefined) return err;
  const copy = new InfraError(err.code, err.message, { cause: err.cause, details: { ...err.details, command: commandName } });
  copy.stack = err.stack;
  return copy;
}

/** ssh2's words for "the socket is gone" when opening a channel. */
function looksDisconnected(err: unknown): boolean {
  const cause = err instanceof InfraError ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  return /not connected|no response from server/i.test(message);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** What went wrong reading a configured key file, and what to do about it (one line). */
function keyReadProblem(path: string, err: unknown): string {
  const errno = (err as NodeJS.ErrnoException).code;
  const fix = 'or fix privateKeyPath (or ssh.defaultPrivateKeyPath) in the agent configuration';
  switch (errno) {
    case 'ENOENT':
      return `private key ${path} does not exist (ENOENT): create it (ssh-keygen -t ed25519 -N '' -f ${path}) and add its .pub to the host's authorized_keys, ${fix}`;
    case 'EACCES':
    case 'EPERM':
      return `private key ${path} cannot be read by this user (${errno}): make it readable by the agent's user (owned by it, mode 0600), ${fix}`;
    case 'EISDIR':
      return `private key ${path} is a directory (EISDIR): ${fix.slice(3)} to name the key file itself`;
    default:
      return `private key ${path} could not be read: ${err instanceof Error ? err.message : String(err)}; ${fix.slice(3)}`;
  }
}
