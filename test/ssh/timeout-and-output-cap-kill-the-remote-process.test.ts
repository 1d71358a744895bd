import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, processesMatching, rejectionOf, sleepPattern, suiteName, uniqueSleepArg } from './support.js';

describe.skipIf(SKIP)(suiteName('ssh exec against a real sshd: timeout, abort and output cap kill the remote process'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('a timed-out command fails with EXEC_TIMEOUT and its remote process is gone', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'timeout' }));
    await t.exec('true', EXEC); // connect first, so the timeout below is all run time
    const arg = uniqueSleepArg();
    const started = join(sshd.homeDir, `started-${arg}`);
    // Two commands so the shell cannot exec sleep directly: a real process tree.
    const err = await rejectionOf(
      t.exec(`touch ${started}; sleep ${arg}; echo never`, { timeoutMs: 2000, maxOutputBytes: 1000, commandName: 'slow' }),
    );
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(err.details).toMatchObject({ host: 'timeout', address: sshd.address, port: sshd.port, command: 'slow', timeoutMs: 2000, phase: 'run' });
    expect(existsSync(started)).toBe(true); // it did run
    // When exec rejects, the remote kill has already happened.
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    // The connection is still usable.
    const after = await t.exec('echo still-ok', EXEC);
    expect(after.stdout).toBe('still-ok\n');
    expect(pool.stats().connectionsOpened).toBe(1);
    await pool.close();
  });

  it('kills background members of the process group too (sleep started with &)', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'bg' }));
    const arg = uniqueSleepArg();
    const ac = new AbortController();
    const failed = rejectionOf(t.exec(`sleep ${arg} & sleep ${arg} & wait`, { ...EXEC, signal: ac.signal }));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toHaveLength(2), { timeout: 10_000 });
    ac.abort();
    expect((await failed).code).toBe('ABORTED');
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    await pool.close();
  });

  it('an aborted command fails with ABORTED and its remote process is gone', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'abort' }));
    const arg = uniqueSleepArg();
    const ac = new AbortController();
    const failed = rejectionOf(t.exec(`sleep ${arg}; echo never`, { ...EXEC, signal: ac.signal }));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg))).toHaveLength(1), { timeout: 10_000 });
    ac.abort(new Error('operator cancelled'));
    const err = await failed;
    expect(err.code).toBe('ABORTED');
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    await pool.close();
  });

  it('output over maxOutputBytes fails with EXEC_OUTPUT_TOO_LARGE, kills the producer, and the connection stays usable', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'cap' }));
    const arg = uniqueSleepArg();
    // `sleep` keeps the group alive after the output, to prove the kill.
    const err = await rejectionOf(t.exec(`yes | head -c 10000000; sleep ${arg}`, { timeoutMs: 30_000, maxOutputBytes: 1_000_000 }));
    expect(err.code).toBe('EXEC_OUTPUT_TOO_LARGE');
    expect(err.retryable).toBe(false);
    expect(err.details).toMatchObject({ maxOutputBytes: 1_000_000, host: 'cap' });
    expect(err.details.bytes).toBeGreaterThan(1_000_000);
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    const ok = await t.exec('echo fine', EXEC);
    expect(ok.stdout).toBe('fine\n');
    expect(pool.stats()).toMatchObject({ connectionsOpened: 1, channelsActive: 0 });
    await pool.close();
  });

  it('output exactly at the cap is accepted; stderr counts toward the cap', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'cap-exact' }));
    const r = await t.exec('head -c 65536 /dev/zero', { timeoutMs: 15_000, maxOutputBytes: 65536 });
    expect(r.bytes).toBe(65536);
    expect(r.stdout.length).toBe(65536);
    const err = await rejectionOf(t.exec('head -c 60000 /dev/zero; head -c 6000 /dev/zero >&2', { timeoutMs: 15_000, maxOutputBytes: 65536 }));
    expect(err.code).toBe('EXEC_OUTPUT_TOO_LARGE');
    await pool.close();
  });
});

describe.skipIf(SKIP)(suiteName('ssh exec against a real sshd that ignores the KILL signal request'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    // sshd refuses "signal" channel requests for forced-command sessions, so
    // only the out-of-band `kill -KILL -<pgid>` exec can stop the command.
    sshd = await startSshd({ extraConfig: ['ForceCommand /bin/sh -c "$SSH_ORIGINAL_COMMAND"'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('still kills the remote process group on timeout', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'forced' }));
    await t.exec('true', EXEC);
    const arg = uniqueSleepArg();
    const started = join(sshd.homeDir, `started-${arg}`);
    const err = await rejectionOf(t.exec(`touch ${started}; sleep ${arg}; echo never`, { timeoutMs: 2000, maxOutputBytes: 1000 }));
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(existsSync(started)).toBe(true);
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    // Proof that the signal path was not what killed it.
    await vi.waitFor(() => expect(sshd.log()).toMatch(/refusing to send signal KILL to forced-command session/), { timeout: 5000 });
    await pool.close();
  });
});
