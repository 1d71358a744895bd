import { afterEach, describe, expect, it, vi } from 'vitest';
import { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { SshPool } from '../../src/collect/ssh-pool.js';
import type { SshHostTarget } from '../../src/collect/host-connection.js';
import { generateUsableKeyPair, startFakeServer, markerLine, type FakeExec, type FakeServer } from './fake-ssh-server.js';

const LIMITS = { globalConcurrency: 8, perHostConcurrency: 4, connectTimeoutMs: 5000, idleTimeoutMs: 60_000, keepaliveIntervalMs: 0 };
const EXEC = { timeoutMs: 5000, maxOutputBytes: 100_000 };

let servers: FakeServer[] = [];
let pools: SshPool[] = [];
afterEach(async () => {
  for (const p of pools) p.destroy();
  for (const s of servers) await s.close();
  servers = [];
  pools = [];
});

async function setup(onExec: (e: FakeExec) => void, opts: { rejectAuth?: boolean; rejectSessions?: boolean; holdExec?: (command: string) => Promise<void> | undefined; limits?: Partial<typeof LIMITS>; createClient?: () => ssh2.Client } = {}) {
  const server = await startFakeServer({
    onExec,
    ...(opts.rejectAuth ? { rejectAuth: true } : {}),
    ...(opts.rejectSessions ? { rejectSessions: true } : {}),
    ...(opts.holdExec ? { holdExec: opts.holdExec } : {}),
  });
  servers.push(server);
  const pool = new SshPool({
    limits: { ...LIMITS, ...(opts.limits ?? {}) },
    readFile: async () => Buffer.from(server.clientKeyPem),
    ...(opts.createClient ? { createClient: opts.createClient } : {}),
  });
  pools.push(pool);
  const host: SshHostTarget = {
    name: 'fake',
    address: server.address,
    port: server.port,
    user: 'tester',
    privateKeyPath: '/virtual/key',
    hostKey: server.hostKeyFingerprint,
    hostKeyPolicy: 'strict',
  };
  return { server, pool, host, t: pool.transportFor(host) };
}

/** A fake remote that prints the PID marker, then `out`/`err`, then exits. */
function respond(out: string, err: string, code: number) {
  return ({ command, stream }: FakeExec) => {
    stream.stderr.write(markerLine(command, 4242));
    if (out) stream.write(out);
    if (err) stream.stderr.write(err);
    stream.exit(code);
    stream.end();
  };
}

/**
 * Answers (exit 0, no output) the warm-up run the tests start with and the
 * `kill -KILL -<pgid>` a timeout or abort sends, recording the kill in
 * `kills`. Returns whether `e` was one of them.
 */
function answeredKillOrWarmUp(e: FakeExec, kills: string[]): boolean {
  const isKill = e.command.includes('kill -KILL -');
  if (!isKill && !e.command.includes('warm-up')) return false;
  if (isKill) kills.push(e.command);
  e.stream.exit(0);
  e.stream.end();
  return true;
}

async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('ssh exec (in-process ssh2 server)', () => {
  it('returns stdout, stderr without the PID marker, exit code and byte count', async () => {
    const { t } = await setup(respond('hello\n', 'warn\n', 3));
    const r = await t.exec('echo hello', EXEC);
    expect(r).toMatchObject({ stdout: 'hello\n', stderr: 'warn\n', exitCode: 3, exitSignal: null, bytes: 11 });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('sends the script wrapped for /bin/sh with stdin from /dev/null', async () => {
    const seen: string[] = [];
    const { t } = await setup((e) => {
      seen.push(e.command);
      respond('', '', 0)(e);
    });
    await t.exec("echo 'it''s'", EXEC);
    expect(seen[0]).toMatch(/^exec \/bin\/sh -c '.*' <\/dev\/null$/s);
    expect(seen[0]).toContain('echo');
  });

  it('reports a remote signal death as exitCode null and exitSignal SIGKILL', async () => {
    const { t } = await setup(({ command, stream }) => {
      stream.stderr.write(markerLine(command, 77));
      stream.exit('KILL', false, '');
      stream.end();
    });
    expect(await t.exec('x', EXEC)).toMatchObject({ exitCode: null, exitSignal: 'SIGKILL' });
  });

  it('on timeout sends the KILL signal request and a kill of the process group, then rejects with EXEC_TIMEOUT', async () => {
    const hung: FakeExec[] = [];
    const kills: string[] = [];
    const { t } = await setup((e) => {
      if (e.command.includes('kill -KILL -4242')) {
        kills.push(e.command);
        e.stream.exit(0);
        e.stream.end();
        return;
      }
      e.stream.stderr.write(markerLine(e.command, 4242));
      if (e.command.includes('warm-up')) {
        e.stream.exit(0);
        e.stream.end();
        return;
      }
      hung.push(e); // never answers
    });
    await t.exec('warm-up', EXEC); // connected, so the timeout below is all run time
    const err = await rejectionOf(t.exec('sleep 1000', { ...EXEC, timeoutMs: 200, commandName: 'hang' }));
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(err.details).toMatchObject({ host: 'fake', command: 'hang', phase: 'run' });
    expect(kills).toHaveLength(1);
    await vi.waitFor(() => expect(hung[0]!.signals).toEqual(['KILL']));
  });

  it('a command aborted while its channel was still opening is still killed once the channel opens', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const kills: string[] = [];
    const started: FakeExec[] = [];
    const { t } = await setup(
      (e) => {
        if (answeredKillOrWarmUp(e, kills)) return;
        e.stream.stderr.write(markerLine(e.command, 999));
        started.push(e);
      },
      { holdExec: (command) => (command.includes('hold-me') ? held : undefined) },
    );
    await t.exec('warm-up', EXEC);
    const ac = new AbortController();
    const p = rejectionOf(t.exec('hold-me', { ...EXEC, signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect((await p).code).toBe('ABORTED');
    release(); // the server now starts the command and answers the open
    await vi.waitFor(() => expect(started[0]?.signals).toEqual(['KILL']));
    await vi.waitFor(() => expect(kills).toHaveLength(1));
    expect(kills[0]).toContain('kill -KILL -999');
  });

  it('a timeout before the PID marker arrived waits for it (bounded), then kills that process group', async () => {
    const kills: string[] = [];
    const { t } = await setup((e) => {
      if (answeredKillOrWarmUp(e, kills)) return;
      setTimeout(() => e.stream.stderr.write(markerLine(e.command, 31337)), 150); // a slow shell start
    });
    await t.exec('warm-up', EXEC);
    const err = await rejectionOf(t.exec('slow-start', { ...EXEC, timeoutMs: 30 }));
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(kills).toHaveLength(1);
    expect(kills[0]).toContain('kill -KILL -31337');
  });

  it('destroy() while a channel is opening rejects now, and the KILL signal still reaches the server before the disconnect', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const started: FakeExec[] = [];
    let disconnected = false;
    const { t, pool } = await setup(
      (e) => {
        if (e.command.includes('warm-up')) {
          e.stream.exit(0);
          e.stream.end();
          return;
        }
        e.connection.on('close', () => (disconnected = true));
        e.stream.stderr.write(markerLine(e.command, 998));
        started.push(e);
      },
      { holdExec: (command) => (command.includes('hold-me') ? held : undefined) },
    );
    await t.exec('warm-up', EXEC);
    const p = rejectionOf(t.exec('hold-me', EXEC));
    await new Promise((r) => setTimeout(r, 50));
    pool.destroy();
    expect((await p).code).toBe('POOL_DESTROYED');
    release(); // only now is the open answered; the client disconnects after sending KILL
    await vi.waitFor(() => expect(started).toHaveLength(1));
    await vi.waitFor(() => expect(disconnected).toBe(true));
    expect(started[0]!.signals).toEqual(['KILL']);
  });

  it('an open failure of the session channel is SSH_CHANNEL_FAILED on a live connection (not reconnected)', async () => {
    const { t, pool } = await setup(respond('', '', 0), { rejectSessions: true });
    const err = await rejectionOf(t.exec('x', EXEC));
    expect(err.code).toBe('SSH_CHANNEL_FAILED');
    expect(err.retryable).toBe(true);
    expect(pool.stats().connectionsOpened).toBe(1);
  });

  it('a channel that closes without an exit status is SSH_CHANNEL_FAILED', async () => {
    const { t } = await setup(({ stream }) => stream.close());
    expect((await rejectionOf(t.exec('x', EXEC))).code).toBe('SSH_CHANNEL_FAILED');
  });

  it('the server dropping the connection mid-command is SSH_CONNECTION_LOST', async () => {
    const { t } = await setup(({ command, stream, connection }) => {
      stream.stderr.write(markerLine(command, 5));
      setTimeout(() => connection.end(), 20);
    });
    const err = await rejectionOf(t.exec('x', EXEC));
    expect(err.code).toBe('SSH_CONNECTION_LOST');
    expect(err.retryable).toBe(true);
  });

  it('rejected authentication is SSH_AUTH_FAILED', async () => {
    const { t } = await setup(respond('', '', 0), { rejectAuth: true });
    const err = await rejectionOf(t.exec('x', EXEC));
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(err.details).toMatchObject({ host: 'fake', user: 'tester' });
  });

  it('a reused connection found dead when opening a channel is replaced transparently', async () => {
    let breakNext = false;
    const createClient = (): ssh2.Client => {
      const client = new ssh2.Client();
      const exec = client.exec.bind(client) as (...a: unknown[]) => ssh2.Client;
      (client as unknown as { exec: (...a: unknown[]) => ssh2.Client }).exec = (...args) => {
        if (breakNext) {
          breakNext = false;
          // The socket died but the 'close' event has not been processed yet.
          (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
        }
        return exec(...args);
      };
      return client;
    };
    const { t, pool } = await setup(respond('ok\n', '', 0), { createClient });
    expect((await t.exec('x', EXEC)).stdout).toBe('ok\n');
    breakNext = true;
    expect((await t.exec('x', EXEC)).stdout).toBe('ok\n');
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ connectionsOpened: 2, connectionsClosed: 1 }));
  });

  it('never has more channels open on the server than perHostConcurrency, and serves them FIFO', async () => {
    const pending: FakeExec[] = [];
    let maxOpen = 0;
    const order: string[] = [];
    const { t, server } = await setup(
      (e) => {
        maxOpen = Math.max(maxOpen, server.sessionsOpen());
        order.push(/echo (\d+)/.exec(e.command)?.[1] ?? '?');
        pending.push(e);
      },
      { limits: { perHostConcurrency: 2 } },
    );
    const runs = Array.from({ length: 7 }, (_, i) => t.exec(`echo ${i}`, EXEC));
    const release = (): void => {
      for (const e of pending.splice(0)) respond('', '', 0)(e);
    };
    while (order.length < 7) {
      await vi.waitFor(() => expect(pending.length).toBeGreaterThan(0));
      release();
    }
    await Promise.all(runs);
    expect(maxOpen).toBe(2);
    expect(order).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });

  it('a command waiting in the queue past its timeout fails with EXEC_TIMEOUT (phase queue)', async () => {
    const pending: FakeExec[] = [];
    const { t } = await setup((e) => pending.push(e), { limits: { perHostConcurrency: 1 } });
    const first = t.exec('first', EXEC);
    await vi.waitFor(() => expect(pending).toHaveLength(1));
    const err = await rejectionOf(t.exec('second', { ...EXEC, timeoutMs: 50 }));
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(err.details.phase).toBe('queue');
    respond('', '', 0)(pending[0]!);
    await first;
  });
});

describe('socket errors from an injected connectSocket map to stable codes', () => {
  for (const [errno, code] of [
    ['ECONNREFUSED', 'SSH_CONNECTION_REFUSED'],
    ['ENOTFOUND', 'SSH_HOST_UNREACHABLE'],
    ['EHOSTUNREACH', 'SSH_HOST_UNREACHABLE'],
    ['ETIMEDOUT', 'SSH_CONNECT_TIMEOUT'],
    ['ECONNRESET', 'SSH_CONNECTION_LOST'],
  ] as const) {
    it(`${errno} → ${code}`, async () => {
      const pool = new SshPool({
        limits: LIMITS,
        readFile: async () => Buffer.from(generateUsableKeyPair().private),
        connectSocket: () => {
          // A socket that never answers (no echo) and then fails like net.connect would.
          const s = new Duplex({ read() {}, write(_chunk, _enc, cb) { cb(); } });
          setImmediate(() => s.emit('error', Object.assign(new Error(`connect ${errno}`), { code: errno })));
          return s;
        },
      });
      pools.push(pool);
      const err = await rejectionOf(
        pool.transportFor({ name: 'h', address: '10.9.9.9', port: 2222, user: 'u', hostKeyPolicy: 'strict' }).exec('x', EXEC),
      );
      expect(err.code).toBe(code);
      expect(err.details).toMatchObject({ host: 'h', address: '10.9.9.9', port: 2222, errno });
    });
  }
});
