/**
 * Run one script on one SSH exec channel.
 *
 * The script is wrapped so that the remote shell first prints its PID on
 * stderr behind a per-run marker (stripped again before the caller sees
 * stderr). OpenSSH runs every session command in its own session/process
 * group (setsid), and `exec` keeps the PID, so that PID is the process group
 * of everything the script starts. The marker also carries $SHELL, the login
 * shell sshd ran the command with: when that is /bin/sh itself, later
 * commands on the connection skip the `exec /bin/sh -c` step (one process
 * start less per command, the same shell). On timeout, abort or output overflow we
 *  1. send the SSH "signal" request (KILL) — OpenSSH >= 7.9 killpg()s the
 *     session's process group, but the request has no reply and servers may
 *     ignore it (forced commands, other implementations), so also
 *  2. run `kill -KILL -<pgid>` on a second short channel (`killRemote`), and
 *  3. close the channel.
 * Closing the channel alone does NOT stop a non-pty command.
 */
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { InfraError } from '@infrastructor/shared';
import { shellQuote } from '../registry/shell-quote.js';
import type { ExecResult } from './transport.js';
import { OutputBuffer } from './output-buffer.js';
import { systemClock, systemTimers, type Clock, type Timers } from './runtime.js';
import { mapSshError, sshDetails, type SshErrorContext } from './ssh-errors.js';

const MARKER_TAG = '@@INFRA-PGID:';
/** Give up looking for the marker after this many stderr bytes. */
const MARKER_SEARCH_BYTES = 8192;

export function newExecNonce(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * The command line sent to the server. Runs the POSIX script with /bin/sh
 * whatever the login shell is, with stdin from /dev/null. `loginShellIsSh`:
 * the login shell is known to be /bin/sh (see `isBinSh`), so the script runs
 * in it directly instead of in a second /bin/sh it execs.
 */
export function wrapScript(script: string, nonce: string, loginShellIsSh = false): string {
  const marker = `printf '%s\\n' "${MARKER_TAG}${nonce}:$$:$SHELL" >&2`;
  if (loginShellIsSh) return `exec </dev/null\n${marker}\n${script}`;
  return `exec /bin/sh -c ${shellQuote(`${marker}\n${script}`)} </dev/null`;
}

/** Whether a login shell (the marker's $SHELL, as sshd sets it from passwd) is /bin/sh. */
export function isBinSh(shell: string | undefined): boolean {
  return shell === '/bin/sh' || shell === '/usr/bin/sh';
}

/**
 * Kill a process group (falling back to the process and its children if it
 * is no group leader), then wait (bounded, ~2 s) until no live member is
 * left, so that "exec rejected" means "the remote process no longer runs".
 */
export function killScript(pgid: number): string {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) throw new RangeError(`invalid pgid ${pgid}`);
  const p = String(pgid);
  const inner =
    `kill -KILL -${p} 2>/dev/null || { pkill -KILL -P ${p} 2>/dev/null; kill -KILL ${p} 2>/dev/null; }\n` +
    // Zombies do not count: where init is slow to reap orphans, kill -0 would see them for ever.
    `i=0; while [ $i -lt 100 ] && ps -A -o pgid= -o stat= 2>/dev/null | ` +
    `awk -v g=${p} '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; do sleep 0.02; i=$((i+1)); done; exit 0`;
  return `exec /bin/sh -c ${shellQuote(inner)} </dev/null`;
}

export interface ExecChannelOptions {
  maxOutputBytes: number;
  /**
   * Aborting stops the command; the promise rejects with `signal.reason`
   * (an InfraError: EXEC_TIMEOUT, ABORTED, POOL_DESTROYED, SSH_CONNECTION_LOST).
   */
  signal: AbortSignal;
  /** Kill the remote process group out of band (second channel). */
  killRemote?: (pgid: number) => Promise<void>;
  errorContext: SshErrorContext;
  clock?: Clock;
  timers?: Timers;
  nonce?: string;
  /** Called once when the channel-open/exec request has been answered (or failed). */
  onOpenSettled?: () => void;
  /** Bound on cleaning up a channel that opened after the command was already aborted. Default 2000. */
  lateKillTimeoutMs?: number;
  /** The login shell is /bin/sh: run the script in it (wrapScript). */
  loginShellIsSh?: boolean;
  /** Called with the login shell the marker reported ($SHELL), when it reported one. */
  onLoginShell?: (shell: string) => void;
}

/** Thrown when the channel could not be opened (nothing ran remotely). */
export function isChannelOpenError(err: unknown): boolean {
  return err instanceof InfraError && err.details.stage === 'open';
}

export function execOnClient(client: Client, script: string, options: ExecChannelOptions): Promise<ExecResult> {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const killBoundMs = options.lateKillTimeoutMs ?? 2000;
  const ctx = options.errorContext;
  const signal = options.signal;
  let openSettled = false;
  const settleOpen = (): void => {
    if (openSettled) return;
    openSettled = true;
    options.onOpenSettled?.();
  };
  if (signal.aborted) {
    settleOpen();
    return Promise.reject(signal.reason);
  }
  const nonce = options.nonce ?? newExecNonce();
  let command: string;
  try {
    command = wrapScript(script, nonce, options.loginShellIsSh === true);
  } catch (err) {
    settleOpen();
    return Promise.reject(new InfraError('PARAM_INVALID', (err as Error).message, { cause: err, details: sshDetails(ctx) }));
  }
  const openError = (err: unknown): InfraError => {
    const mapped = mapSshError(err, { ...ctx, phase: 'session' });
    return new InfraError(mapped.code, mapped.message, { cause: err, details: { ...mapped.details, stage: 'open' } });
  };

  return new Promise<ExecResult>((resolve, reject) => {
    const start = clock.now();
    const out = new OutputBuffer(options.maxOutputBytes);
    const markerPrefix = Buffer.from(`${MARKER_TAG}${nonce}:`, 'latin1');
    let channel: ClientChannel | undefined;
    let settled = false;
    let terminatedWith: unknown;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let sawExit = false;

    // ---- the PID marker: first line on stderr, parsed even after we gave up
    let head: Buffer | null = Buffer.alloc(0);
    let pgid: number | undefined;
    let pidDecided = false;
    const pidWaiters: Array<() => void> = [];
    const decidePid = (pid?: number): void => {
      if (pidDecided) return;
      pidDecided = true;
      pgid = pid;
      for (const w of pidWaiters.splice(0)) w();
    };
    const pidDecidedWithin = (ms: number): Promise<void> =>
      pidDecided
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const t = timers.setTimeout(resolve, ms);
            pidWaiters.push(() => {
              timers.clearTimeout(t);
              resolve();
            });
          });

    const addStderr = (chunk: Buffer): void => {
      if (!settled && chunk.length > 0 && !out.addStderr(chunk)) tooLarge();
    };
    const flushHead = (): void => {
      if (head === null) return;
      const rest = head;
      head = null;
      decidePid(undefined);
      addStderr(rest);
    };
    const onStderr = (chunk: Buffer): void => {
      if (head === null) return addStderr(chunk);
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const at = head.indexOf(markerPrefix);
      const nl = at >= 0 ? head.indexOf(0x0a, at) : -1;
      if (nl >= 0) {
        // "<pid>" or "<pid>:<login shell>"
        const m = /^(\d{1,10})(?::([^\n]*))?$/.exec(head.subarray(at + markerPrefix.length, nl).toString('utf8'));
        const rest = Buffer.concat([head.subarray(0, at), head.subarray(nl + 1)]);
        head = null;
        decidePid(m ? Number(m[1]) : undefined);
        if (m?.[2] !== undefined && m[2] !== '') options.onLoginShell?.(m[2]);
        addStderr(rest);
      } else if (head.length > MARKER_SEARCH_BYTES) {
        flushHead();
      }
    };

    // ---- stopping the remote command
    /** Signal KILL; unless `quick`, wait (bounded) for the PID and kill its group out of band; close. */
    const stopRemote = async (ch: ClientChannel, quick: boolean): Promise<void> => {
      try {
        ch.signal('KILL');
      } catch {
        /* channel already gone */
      }
      if (!quick && options.killRemote) {
        await pidDecidedWithin(killBoundMs);
        if (pgid !== undefined) await options.killRemote(pgid).catch(() => undefined);
      }
      try {
        ch.close();
      } catch {
        /* ignore */
      }
    };
    const isQuick = (reason: unknown): boolean =>
      reason instanceof InfraError && (reason.code === 'SSH_CONNECTION_LOST' || reason.code === 'POOL_DESTROYED');

    /** Set while terminate() waits for an in-flight channel open. */
    let onLateOpen: ((stopped: Promise<void>) => void) | undefined;

    const terminate = (reason: unknown): void => {
      if (settled) return;
      settled = true;
      terminatedWith = reason;
      signal.removeEventListener('abort', onAbort);
      const quick = isQuick(reason);
      if (channel) {
        const stopped = stopRemote(channel, quick);
        if (quick) reject(reason); // destroy()/lost: now (the KILL request is already written)
        else void stopped.then(() => reject(reason));
        return;
      }
      if (quick || openSettled) {
        reject(reason);
        return;
      }
      // The exec request is in flight, so the command may be starting: wait
      // (bounded) for the open to be answered and stop it, then reject.
      const t = timers.setTimeout(() => {
        onLateOpen = undefined;
        reject(reason);
      }, killBoundMs);
      onLateOpen = (stopped) => {
        timers.clearTimeout(t);
        onLateOpen = undefined;
        void stopped.then(() => reject(reason));
      };
    };
    const onAbort = (): void => terminate(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });

    const tooLarge = (): void => {
      terminate(
        new InfraError(
          'EXEC_OUTPUT_TOO_LARGE',
          `ssh ${ctx.host}: ${ctx.commandName ? `command ${ctx.commandName}` : 'the command'} printed more than ${options.maxOutputBytes} bytes; it was killed`,
          { details: sshDetails(ctx, { maxOutputBytes: options.maxOutputBytes, bytes: out.bytes }) },
        ),
      );
    };

    // ---- a normal finish: exit status, then both streams closed
    const finishClosed = (): void => {
      if (settled) return;
      flushHead();
      if (settled) return; // flushing may have overflowed
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (!sawExit) {
        reject(
          new InfraError('SSH_CHANNEL_FAILED', `ssh ${ctx.host}: the channel closed without an exit status`, {
            details: sshDetails(ctx, { stage: 'run' }),
          }),
        );
        return;
      }
      resolve({
        stdout: out.stdout(),
        stderr: out.stderr(),
        exitCode,
        exitSignal,
        bytes: out.bytes,
        durationMs: Math.max(0, clock.now() - start),
      });
    };

    const attach = (ch: ClientChannel): void => {
      channel = ch;
      ch.on('data', (chunk: Buffer) => {
        if (!settled && !out.addStdout(chunk)) tooLarge();
      });
      ch.stderr.on('data', onStderr);
      ch.on('exit', (code: number | null, sig?: string) => {
        sawExit = true;
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = typeof sig === 'string' && sig !== '' ? (sig.startsWith('SIG') ? sig : `SIG${sig}`) : null;
      });
      ch.on('error', (e: unknown) => {
        decidePid(undefined);
        terminate(mapSshError(e, { ...ctx, phase: 'session' }));
      });
      // stderr is its own stream: all of it must have arrived before finishing.
      let stderrDone = false;
      let channelClosed = false;
      const onStderrDone = (): void => {
        if (stderrDone) return;
        stderrDone = true;
        if (channelClosed) finishClosed();
      };
      ch.stderr.once('end', onStderrDone);
      ch.stderr.once('close', onStderrDone);
      ch.on('close', () => {
        channelClosed = true;
        decidePid(undefined);
        if (stderrDone) finishClosed();
      });
    };

    try {
      client.exec(command, (err, ch) => {
        if (err) {
          settleOpen();
          if (settled) {
            onLateOpen?.(Promise.resolve());
            return;
          }
          settled = true;
          signal.removeEventListener('abort', onAbort);
          reject(openError(err));
          return;
        }
        attach(ch);
        if (settled) {
          // Gave up while the channel was opening, but the command started: stop it.
          const stopped = stopRemote(ch, isQuick(terminatedWith)); // writes KILL before settleOpen may disconnect
          settleOpen();
          onLateOpen?.(stopped);
          return;
        }
        settleOpen();
      });
    } catch (err) {
      settleOpen();
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      reject(openError(err));
    }
  });
}

/** Run a short helper command (no wrapper, output discarded), bounded by timeoutMs. */
export function runQuick(client: Client, command: string, timeoutMs: number, timers: Timers = systemTimers): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    let ch: ClientChannel | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      try {
        ch?.close();
      } catch {
        /* ignore */
      }
      resolve();
    };
    const timer = timers.setTimeout(finish, timeoutMs);
    try {
      client.exec(command, (err, channel) => {
        if (err) return finish();
        ch = channel;
        if (done) {
          try {
            channel.close();
          } catch {
            /* ignore */
          }
          return;
        }
        channel.on('data', () => undefined);
        channel.stderr.on('data', () => undefined);
        channel.on('close', finish);
        channel.on('error', finish);
      });
    } catch {
      finish();
    }
  });
}
