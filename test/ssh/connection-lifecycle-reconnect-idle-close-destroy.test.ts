import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, processesMatching, rejectionOf, sleepPattern, suiteName, uniqueSleepArg } from './support.js';

describe.skipIf(SKIP)(suiteName('ssh connection lifecycle against a real sshd'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('detects a dead connection after the server restarts and replaces it', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'reconnect' }));
    expect((await t.exec('echo one', EXEC)).stdout).toBe('one\n');
    await sshd.restart(); // kills every sshd process, sessions included
    expect((await t.exec('echo two', EXEC)).stdout).toBe('two\n');
    const s = pool.stats();
    expect(s.connectionsOpened).toBe(2);
    expect(s.connectionsClosed).toBe(1);
    expect(s.connectionsActive).toBe(1);
    await pool.close();
  });

  it('a command running when the connection dies fails with SSH_CONNECTION_LOST (retryable)', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'lost' }));
    const arg = uniqueSleepArg();
    const failed = rejectionOf(t.exec(`sleep ${arg}; echo never`, EXEC));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toHaveLength(1), { timeout: 10_000 });
    await sshd.kill();
    const err = await failed;
    expect(err.code).toBe('SSH_CONNECTION_LOST');
    expect(err.retryable).toBe(true);
    expect(err.details).toMatchObject({ host: 'lost', address: sshd.address, port: sshd.port });
    await sshd.restart();
    expect((await t.exec('echo back', EXEC)).stdout).toBe('back\n');
    await pool.close();
  });

  it('closes a connection after idleTimeoutMs without commands and reconnects on demand', async () => {
    const pool = makePool({ limits: { idleTimeoutMs: 200 } });
    const t = pool.transportFor(sshd.hostConfig({ name: 'idle' }));
    await t.exec('true', EXEC);
    expect(pool.stats().connectionsActive).toBe(1);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ connectionsIdleClosed: 1, connectionsClosed: 1, connectionsActive: 0 }), {
      timeout: 10_000,
    });
    expect((await t.exec('echo again', EXEC)).stdout).toBe('again\n');
    expect(pool.stats().connectionsOpened).toBe(2);
    await pool.close();
  });

  it('close() refuses new work, lets running and queued commands finish, then disconnects', async () => {
    const pool = makePool({ limits: { perHostConcurrency: 1 } });
    const t = pool.transportFor(sshd.hostConfig({ name: 'drain' }));
    const gate = join(sshd.homeDir, 'go-drain');
    const running = t.exec(`while [ ! -e ${gate} ]; do sleep 0.02; done; echo first`, EXEC);
    const queued = t.exec('echo second', EXEC);
    await vi.waitFor(() => expect(pool.stats()).toMatchObject({ channelsActive: 1, queueDepth: 1 }), { timeout: 10_000 });
    const closing = pool.close();
    expect(pool.close()).toBe(closing); // idempotent
    const refused = await rejectionOf(t.exec('echo late', EXEC));
    expect(refused.code).toBe('POOL_CLOSED');
    expect(pool.stats()).toMatchObject({ state: 'closing', channelsActive: 1, queueDepth: 1 });
    writeFileSync(gate, '');
    expect((await running).stdout).toBe('first\n');
    expect((await queued).stdout).toBe('second\n');
    await closing;
    expect(pool.stats()).toMatchObject({ state: 'closed', connectionsActive: 0, connectionsClosed: 1 });
  });

  it('destroy() rejects running and queued commands with POOL_DESTROYED and kills the remote processes', async () => {
    const pool = makePool({ limits: { perHostConcurrency: 1 } });
    const t = pool.transportFor(sshd.hostConfig({ name: 'destroy' }));
    const arg = uniqueSleepArg();
    const running = rejectionOf(t.exec(`sleep ${arg}; echo never`, EXEC));
    const queued = rejectionOf(t.exec('echo never', EXEC));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toHaveLength(1), { timeout: 10_000 });
    pool.destroy();
    pool.destroy(); // idempotent
    expect((await running).code).toBe('POOL_DESTROYED');
    expect((await queued).code).toBe('POOL_DESTROYED');
    expect((await rejectionOf(t.exec('x', EXEC))).code).toBe('POOL_DESTROYED');
    // The KILL signal request went out before the disconnect.
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toEqual([]), { timeout: 10_000 });
    await vi.waitFor(() => expect(pool.stats().connectionsActive).toBe(0), { timeout: 10_000 });
    expect(pool.stats().state).toBe('destroyed');
  });

  it('destroy() during close() aborts the drain', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'close-then-destroy' }));
    const arg = uniqueSleepArg();
    const running = rejectionOf(t.exec(`sleep ${arg}; echo never`, EXEC));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toHaveLength(1), { timeout: 10_000 });
    const closing = pool.close();
    pool.destroy();
    expect((await running).code).toBe('POOL_DESTROYED');
    await closing;
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toEqual([]), { timeout: 10_000 });
  });
});
