import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, processesMatching, suiteName } from './support.js';

describe.skipIf(SKIP)(suiteName('ssh pool against a real sshd: reuse, limits, results'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd({
      stubs: { docker: `case "$1" in ps) cat "$HOME/fixtures/docker-ps.json";; *) echo "stub: $*" >&2; exit 3;; esac` },
      files: { 'fixtures/docker-ps.json': '{"ID":"abc123","Names":"web"}\n' },
    });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('runs N commands over exactly one SSH connection', async () => {
    const pool = makePool();
    const host = sshd.hostConfig({ name: 'reuse' });
    const t = pool.transportFor(host);
    const before = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    for (let i = 0; i < 8; i++) {
      const r = await t.exec(`echo run-${i}`, EXEC);
      expect(r.stdout).toBe(`run-${i}\n`);
    }
    const s = pool.stats();
    expect(s.connectionsOpened).toBe(1);
    expect(s.connectionsReused).toBe(7);
    // The server agrees: one authentication for eight commands.
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length - before).toBe(1);
    await pool.close();
    expect(pool.stats().state).toBe('closed');
  });

  it('keeps exit codes, stderr and signals, and does not leak the wrapper marker', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'results' }));
    const r = await t.exec(`printf 'out\\n'; printf 'err1\\n' >&2; echo err2 >&2; exit 7`, EXEC);
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err1\nerr2\n', exitCode: 7, exitSignal: null });
    expect(r.bytes).toBe(4 + 5 + 5);
    const empty = await t.exec('true', EXEC);
    expect(empty).toMatchObject({ stdout: '', stderr: '', exitCode: 0, bytes: 0 });
    const killed = await t.exec('kill -TERM $$', EXEC);
    expect(killed.exitCode).toBeNull();
    expect(killed.exitSignal).toBe('SIGTERM');
    // stdin is /dev/null: a command reading stdin does not hang.
    const cat = await t.exec('cat; echo done', EXEC);
    expect(cat.stdout).toBe('done\n');
    // Binary-safe byte counting with multi-byte UTF-8.
    const utf = await t.exec(`printf 'h\\303\\251\\n'`, EXEC);
    expect(utf.stdout).toBe('hé\n');
    expect(utf.bytes).toBe(4);
    await pool.close();
  });

  it('finds stub tools first on the login PATH', async () => {
    const pool = makePool();
    const t = pool.transportFor(sshd.hostConfig({ name: 'stubs' }));
    const r = await t.exec('command -v docker; docker ps --format json', EXEC);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${join(sshd.stubDir, 'docker')}\n{"ID":"abc123","Names":"web"}\n`);
    const bad = await t.exec('docker nope', EXEC);
    expect(bad).toMatchObject({ exitCode: 3, stderr: 'stub: nope\n' });
    await pool.close();
  });

  it('holds concurrent commands to the per-host channel limit, FIFO', async () => {
    const pool = makePool({ limits: { perHostConcurrency: 2, globalConcurrency: 16 } });
    const t = pool.transportFor(sshd.hostConfig({ name: 'per-host' }));
    const gate = join(sshd.homeDir, 'go-per-host');
    const tag = `perhost${process.pid}x${Date.now()}`;
    const runs = Array.from({ length: 6 }, (_, i) =>
      t.exec(`echo ${i}; while [ ! -e ${gate} ]; do sleep 0.02; done # ${tag}`, EXEC),
    );
    await vi.waitFor(() => expect(pool.stats().channelsActive).toBe(2), { timeout: 10_000 });
    expect(pool.stats().queueDepth).toBe(4);
    // On the host, exactly two of them are running.
    await vi.waitFor(() => expect(processesMatching(tag).filter((l) => l.includes('/bin/sh -c')).length).toBe(2), { timeout: 10_000 });
    writeFileSync(gate, '');
    const results = await Promise.all(runs);
    expect(results.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
    expect(pool.stats()).toMatchObject({ connectionsOpened: 1, channelsActive: 0, queueDepth: 0 });
    await pool.close();
  });

  it('holds concurrent commands across hosts to the global limit', async () => {
    const pool = makePool({ limits: { perHostConcurrency: 2, globalConcurrency: 3 } });
    const a = pool.transportFor(sshd.hostConfig({ name: 'global-a' }));
    const b = pool.transportFor(sshd.hostConfig({ name: 'global-b' }));
    const gate = join(sshd.homeDir, 'go-global');
    const tag = `global${process.pid}x${Date.now()}`;
    const script = `while [ ! -e ${gate} ]; do sleep 0.02; done # ${tag}`;
    const runs = [...Array.from({ length: 3 }, () => a.exec(script, EXEC)), ...Array.from({ length: 3 }, () => b.exec(script, EXEC))];
    await vi.waitFor(() => expect(pool.stats().channelsActive).toBe(3), { timeout: 10_000 });
    const s = pool.stats();
    expect(s.globalSlotsActive).toBe(3);
    expect(s.queueDepth).toBe(3);
    for (const h of s.perHost) expect(h.channelsActive).toBeLessThanOrEqual(2);
    await vi.waitFor(() => expect(processesMatching(tag).filter((l) => l.includes('/bin/sh -c')).length).toBe(3), { timeout: 10_000 });
    writeFileSync(gate, '');
    const results = await Promise.all(runs);
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
    expect(pool.stats().connectionsOpened).toBe(2);
    await pool.close();
  });
});
