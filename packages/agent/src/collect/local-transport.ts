/**
 * `transport: local`: run the script with /bin/sh on this machine. Same
 * contract as the SSH transport: output cap, timeout and abort kill the whole
 * process group (spawned detached, killed with kill(-pid)), same result shape.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { InfraError, isInfraError } from '@infrastructor/shared';
import type { ExecResult, Transport } from './transport.js';
import type { SshExecOptions } from './host-connection.js';
import { OutputBuffer } from './output-buffer.js';
import { systemClock, systemTimers, type Clock, type Timers } from './runtime.js';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface LocalTransportOptions {
  /** Default /bin/sh. */
  shell?: string;
  /** Host name for error details. Default "local". */
  hostName?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  spawn?: SpawnFn;
  /** Signal-to-group function (tests). Default process.kill. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  clock?: Clock;
  timers?: Timers;
}

export interface LocalTransportStats {
  running: number;
  started: number;
  state: 'open' | 'closing' | 'closed' | 'destroyed';
}

interface Running {
  abort: (reason: InfraError) => void;
}

export class LocalTransport implements Transport {
  readonly #o: LocalTransportOptions;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #running = new Set<Running>();
  #started = 0;
  #closing = false;
  #destroyed = false;
  #closed = false;
  #closePromise: Promise<void> | undefined;
  #drainWaiters: Array<() => void> = [];

  constructor(options: LocalTransportOptions = {}) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
  }

  stats(): LocalTransportStats {
    return {
      running: this.#running.size,
      started: this.#started,
      state: this.#destroyed ? 'destroyed' : this.#closed ? 'closed' : this.#closing ? 'closing' : 'open',
    };
  }

  exec(script: string, options: SshExecOptions): Promise<ExecResult> {
    const hostName = this.#o.hostName ?? 'local';
    const details = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      host: hostName,
      transport: 'local',
      ...(options.commandName !== undefined ? { command: options.commandName } : {}),
      ...extra,
    });
    if (this.#destroyed) return Promise.reject(new InfraError('POOL_DESTROYED', 'the local transport was destroyed', { details: details() }));
    if (this.#closing) return Promise.reject(new InfraError('POOL_CLOSED', 'the local transport is closed', { details: details() }));
    const what = options.commandName ? `command ${options.commandName}` : 'the command';

    return new Promise<ExecResult>((resolve, reject) => {
      const start = this.#clock.now();
      const out = new OutputBuffer(options.maxOutputBytes);
      let settled = false;
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      let child: ChildProcess | undefined;

      const killGroup = (): void => {
        const pid = child?.pid;
        if (pid === undefined) return;
        try {
          (this.#o.kill ?? process.kill)(-pid, 'SIGKILL');
        } catch {
          try {
            (this.#o.kill ?? process.kill)(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      };

      const entry: Running = {
        abort: (reason) => {
          if (settled) return;
          settled = true;
          finish();
          killGroup();
          // The group is dead; do not wait for pipes a stray escaped process may hold.
          child?.stdout?.destroy();
          child?.stderr?.destroy();
          reject(reason);
        },
      };

      const timer = this.#timers.setTimeout(() => {
        entry.abort(
          new InfraError('EXEC_TIMEOUT', `local: ${what} did not finish within ${options.timeoutMs} ms (killed)`, {
            details: details({ timeoutMs: options.timeoutMs, phase: 'run' }),
          }),
        );
      }, options.timeoutMs);
      const signal = options.signal;
      const onAbort = (): void => {
        entry.abort(
          isInfraError(signal?.reason)
            ? signal.reason
            : new InfraError('ABORTED', `local: ${what} was aborted`, { cause: signal?.reason, details: details() }),
        );
      };
      const finish = (): void => {
        this.#timers.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#running.delete(entry) && this.#running.size === 0) {
          const waiters = this.#drainWaiters;
          this.#drainWaiters = [];
          for (const w of waiters) w();
        }
      };
      const tooLarge = (): void => {
        entry.abort(
          new InfraError('EXEC_OUTPUT_TOO_LARGE', `local: ${what} printed more than ${options.maxOutputBytes} bytes; it was killed`, {
            details: details({ maxOutputBytes: options.maxOutputBytes, bytes: out.bytes }),
          }),
        );
      };

      this.#running.add(entry);
      this.#started++;
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      try {
        child = (this.#o.spawn ?? (nodeSpawn as SpawnFn))(this.#o.shell ?? '/bin/sh', ['-c', script], {
          detached: true, // own process group, so timeout can kill(-pid) everything
          stdio: ['ignore', 'pipe', 'pipe'],
          env: this.#o.env ?? process.env,
          ...(this.#o.cwd !== undefined ? { cwd: this.#o.cwd } : {}),
        });
      } catch (err) {
        settled = true;
        finish();
        reject(new InfraError('EXEC_SPAWN_FAILED', `local: could not start ${this.#o.shell ?? '/bin/sh'}: ${(err as Error).message}`, { cause: err, details: details() }));
        return;
      }
      child.stdout?.on('data', (chunk: Buffer) => {
        if (!settled && !out.addStdout(chunk)) tooLarge();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        if (!settled && !out.addStderr(chunk)) tooLarge();
      });
      child.on('error', (err) => {
        if (settled) return;
        settled = true;
        finish();
        killGroup();
        reject(new InfraError('EXEC_SPAWN_FAILED', `local: could not start ${this.#o.shell ?? '/bin/sh'}: ${err.message}`, { cause: err, details: details() }));
      });
      child.on('exit', (code, sig) => {
        exitCode = code;
        exitSignal = sig;
      });
      child.on('close', (code, sig) => {
        if (settled) return;
        settled = true;
        finish();
        resolve({
          stdout: out.stdout(),
          stderr: out.stderr(),
          exitCode: exitCode ?? code,
          exitSignal: exitSignal ?? sig,
          bytes: out.bytes,
          durationMs: Math.max(0, this.#clock.now() - start),
        });
      });
    });
  }

  /** Refuse new commands, wait for running ones. */
  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closing = true;
    this.#closePromise = (async () => {
      if (this.#running.size > 0) await new Promise<void>((r) => this.#drainWaiters.push(r));
      this.#closed = true;
    })();
    return this.#closePromise;
  }

  /** Kill every running command's process group now; they reject with POOL_DESTROYED. */
  destroy(reason?: unknown): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closing = true;
    const err = new InfraError('POOL_DESTROYED', 'the local transport was destroyed', { cause: reason, details: { host: this.#o.hostName ?? 'local', transport: 'local' } });
    for (const r of [...this.#running]) r.abort(err);
  }
}
