import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRetry } from '../../packages/agent/src/collect/retry.js';
import { generateKeyPair, startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, rejectionOf, suiteName } from './support.js';

async function closedPort(address: string): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, address, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(SKIP)(suiteName('ssh connection failures against a real sshd'), () => {
  let sshd: SshdHandle;
  let tmp: string;
  beforeAll(async () => {
    sshd = await startSshd();
    tmp = mkdtempSync(join(tmpdir(), 'infra-sshfail-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a key the server does not accept fails with SSH_AUTH_FAILED and is not retried', async () => {
    const wrong = generateKeyPair(tmp, 'wrong_key');
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'auth', privateKeyPath: wrong.privateKeyPath }));
    let attempts = 0;
    const err = await rejectionOf(
      withRetry(
        () => {
          attempts++;
          return t.exec('echo never', { ...EXEC, commandName: 'uptime' });
        },
        { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
      ),
    );
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(err.retryable).toBe(false);
    expect(attempts).toBe(1);
    expect(err.details).toMatchObject({ host: 'auth', address: sshd.address, port: sshd.port, user: sshd.user, command: 'uptime' });
    expect(err.message).toContain(`${sshd.user}@${sshd.address}:${sshd.port}`);
    // No key material in what gets logged or stored.
    const serialized = JSON.stringify(err.toJSON());
    expect(serialized).not.toMatch(/PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    expect(pool.stats()).toMatchObject({ connectionsOpened: 0, connectFailures: 1 });
    await pool.close();
  });

  it('a wrong user fails with SSH_AUTH_FAILED', async () => {
    const pool = makePool();
    const err = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'user', user: 'nobody-here' })).exec('x', EXEC));
    expect(err.code).toBe('SSH_AUTH_FAILED');
    await pool.close();
  });

  it('a closed port is retried with backoff, then reported as SSH_CONNECTION_REFUSED', async () => {
    const pool = makePool();
    const port = await closedPort(sshd.address);
    const t = pool.transportFor(sshd.hostConfig({ name: 'refused', port }));
    let attempts = 0;
    const retries: Array<{ code: string; attempt: number; delayMs: number }> = [];
    const slept: number[] = [];
    const err = await rejectionOf(
      withRetry(
        () => {
          attempts++;
          return t.exec('echo never', EXEC);
        },
        {
          retries: 2,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          random: () => 0.5,
          sleep: async (ms) => {
            slept.push(ms);
          },
          onRetry: (e, attempt, delayMs) => retries.push({ code: e.code, attempt, delayMs }),
        },
      ),
    );
    expect(err.code).toBe('SSH_CONNECTION_REFUSED');
    expect(err.retryable).toBe(true);
    expect(err.details).toMatchObject({ host: 'refused', address: sshd.address, port, errno: 'ECONNREFUSED' });
    expect(attempts).toBe(3);
    expect(retries).toEqual([
      { code: 'SSH_CONNECTION_REFUSED', attempt: 1, delayMs: 50 },
      { code: 'SSH_CONNECTION_REFUSED', attempt: 2, delayMs: 100 },
    ]);
    expect(slept).toEqual([50, 100]);
    expect(pool.stats().connectFailures).toBe(3);
    await pool.close();
  });

  it('a server that accepts TCP but never speaks SSH fails with SSH_CONNECT_TIMEOUT', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, sshd.address, () => r()));
    const port = (silent.address() as { port: number }).port;
    const pool = makePool({ limits: { connectTimeoutMs: 300 } });
    try {
      const err = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'silent', port })).exec('x', EXEC));
      expect(err.code).toBe('SSH_CONNECT_TIMEOUT');
      expect(err.retryable).toBe(true);
      expect(err.details).toMatchObject({ host: 'silent', port, connectTimeoutMs: 300 });
    } finally {
      pool.destroy();
      silent.close();
    }
  });

  it('an unreadable key file fails with SSH_KEY_READ_FAILED naming the path', async () => {
    const pool = makePool();
    const missing = join(tmp, 'does-not-exist');
    const err = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'nokey', privateKeyPath: missing })).exec('x', EXEC));
    expect(err.code).toBe('SSH_KEY_READ_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(missing);
    expect(err.details).toMatchObject({ privateKeyPath: missing, errno: 'ENOENT' });

    const garbage = join(tmp, 'garbage_key');
    writeFileSync(garbage, 'not a key\n');
    const bad = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'badkey', privateKeyPath: garbage })).exec('x', EXEC));
    expect(bad.code).toBe('SSH_KEY_READ_FAILED');
    expect(bad.message).toContain(garbage);
    await pool.close();
  });
});
