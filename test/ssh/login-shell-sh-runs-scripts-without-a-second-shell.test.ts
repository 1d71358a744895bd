// When the login shell is /bin/sh (the documented setup: useradd --shell
// /bin/sh), the first command's PID marker says so and later commands on
// the connection run in the login shell itself instead of `exec /bin/sh -c`:
// one process start less per command, with the same guarantees.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, processesMatching, rejectionOf, sleepPattern, suiteName, uniqueSleepArg } from './support.js';

/** The command line of the shell running the script, and the login shell sshd used. */
const WHO = 'ps -o args= -p $$; echo "login=$SHELL"';

describe.skipIf(SKIP)(suiteName('a /bin/sh login shell runs scripts directly after the first command'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('the first command goes through exec /bin/sh -c, later ones run in the login shell when it is /bin/sh', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'direct' }));
    const first = await t.exec(WHO, EXEC);
    expect(first.stdout).toMatch(/^\/bin\/sh -c /);
    // The last line (ps shows the script text, login=$SHELL unexpanded, on the first).
    const login = first.stdout.trim().split('\n').pop()?.replace(/^login=/, '');
    const second = await t.exec(WHO, EXEC);
    if (login === '/bin/sh' || login === '/usr/bin/sh') expect(second.stdout).toMatch(/^sh -c exec <\/dev\/null\n?/);
    else expect(second.stdout).toMatch(/^\/bin\/sh -c /); // another login shell: always the wrapper
    // The marker never reaches the caller, stdin is /dev/null, exit codes and stderr pass through.
    const r = await t.exec('cat; echo out; echo err >&2; exit 3', EXEC);
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, exitSignal: null });
    expect(pool.stats().connectionsOpened).toBe(1);
    await pool.close();
  });

  it('a timed-out command run in the login shell is killed with its whole process group', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'direct-timeout' }));
    await t.exec('true', EXEC); // learns the login shell
    const arg = uniqueSleepArg();
    const err = await rejectionOf(t.exec(`sleep ${arg} & sleep ${arg}; echo never`, { timeoutMs: 1500, maxOutputBytes: 1000 }));
    expect(err.code).toBe('EXEC_TIMEOUT');
    expect(processesMatching(sleepPattern(arg))).toEqual([]);
    const ac = new AbortController();
    const arg2 = uniqueSleepArg();
    const aborted = rejectionOf(t.exec(`sleep ${arg2}; echo never`, { ...EXEC, signal: ac.signal }));
    await vi.waitFor(() => expect(processesMatching(sleepPattern(arg2))).toHaveLength(1), { timeout: 10_000 });
    ac.abort();
    expect((await aborted).code).toBe('ABORTED');
    expect(processesMatching(sleepPattern(arg2))).toEqual([]);
    expect((await t.exec('echo still-ok', EXEC)).stdout).toBe('still-ok\n');
    await pool.close();
  });
});
