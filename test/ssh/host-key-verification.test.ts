import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryHostKeyStore } from '../../packages/agent/src/collect/host-key-verifier.js';
import { withRetry } from '../../packages/agent/src/collect/retry.js';
import { generateKeyPair, hashKnownHostsFile, startSshd, type SshdHandle } from '../harness/sshd.js';
import { EXEC, SKIP, makePool, rejectionOf, suiteName } from './support.js';

describe.skipIf(SKIP)(suiteName('host key verification against a real sshd'), () => {
  let sshd: SshdHandle;
  let tmp: string;
  let otherKeyB64: string;
  beforeAll(async () => {
    sshd = await startSshd();
    tmp = mkdtempSync(join(tmpdir(), 'infra-hostkey-'));
    otherKeyB64 = generateKeyPair(tmp, 'other').publicKeyLine.split(' ')[1]!;
  });
  afterAll(async () => {
    await sshd?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('accepts the pinned fingerprint exactly as ssh-keygen -lf prints it', async () => {
    const pool = makePool();
    expect(sshd.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const r = await pool.transportFor(sshd.hostConfig({ name: 'pinned-ok', hostKey: sshd.hostKeyFingerprint })).exec('echo ok', EXEC);
    expect(r.stdout).toBe('ok\n');
    await pool.close();
  });

  it('refuses a host whose key does not match the pin, with both fingerprints, and never retries it', async () => {
    const pool = makePool();
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const t = pool.transportFor(sshd.hostConfig({ name: 'pinned-bad', hostKey: wrong }));
    let attempts = 0;
    const retried: string[] = [];
    const err = await rejectionOf(
      withRetry(
        () => {
          attempts++;
          return t.exec('echo never', EXEC);
        },
        { retries: 3, baseDelayMs: 1, maxDelayMs: 1, onRetry: (e) => retried.push(e.code) },
      ),
    );
    expect(err.code).toBe('SSH_HOST_KEY_MISMATCH');
    expect(err.retryable).toBe(false);
    expect(attempts).toBe(1);
    expect(retried).toEqual([]);
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(err.details).toMatchObject({ host: 'pinned-bad', address: sshd.address, port: sshd.port, expectedFingerprint: wrong, actualFingerprint: sshd.hostKeyFingerprint });
    expect(JSON.stringify(err.details)).not.toMatch(/PRIVATE KEY|AAAAC3NzaC1lZDI1NTE5/);
    expect(pool.stats().connectionsOpened).toBe(0);
    await pool.close();
  });

  it('strict policy: an unknown key is refused with a message that tells how to pin it', async () => {
    const store = new MemoryHostKeyStore();
    const pool = makePool({ hostKeyStore: store });
    const t = pool.transportFor(sshd.hostConfig({ name: 'strict', hostKey: undefined, hostKeyPolicy: 'strict' }));
    const err = await rejectionOf(t.exec('echo never', EXEC));
    expect(err.code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(err.message).toContain(`hostKey: ${sshd.hostKeyFingerprint}`);
    expect(err.message).toMatch(/ssh-keygen -lf/);
    expect(err.details).toMatchObject({ host: 'strict', actualFingerprint: sshd.hostKeyFingerprint, keyType: 'ssh-ed25519', policy: 'strict' });
    expect(store.get('strict')).toBeUndefined();
    await pool.close();
  });

  it('known_hosts: a plain entry accepts, a different key of the same type is a mismatch, another port is unknown', async () => {
    const pool = makePool();
    const ok = join(tmp, 'known_hosts_ok');
    writeFileSync(ok, `# comment\nexample.org ssh-ed25519 ${otherKeyB64}\n${sshd.knownHostsLine}\n`);
    const r = await pool.transportFor(sshd.hostConfig({ name: 'kh-ok', hostKey: undefined, knownHostsPath: ok })).exec('echo ok', EXEC);
    expect(r.stdout).toBe('ok\n');

    const bad = join(tmp, 'known_hosts_bad');
    writeFileSync(bad, `[${sshd.address}]:${sshd.port} ssh-ed25519 ${otherKeyB64}\n`);
    const mismatch = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'kh-bad', hostKey: undefined, knownHostsPath: bad })).exec('x', EXEC));
    expect(mismatch.code).toBe('SSH_HOST_KEY_MISMATCH');
    expect(mismatch.message).toContain(sshd.hostKeyFingerprint);
    expect(mismatch.details).toMatchObject({ source: 'known_hosts', actualFingerprint: sshd.hostKeyFingerprint });

    const otherPort = join(tmp, 'known_hosts_other_port');
    writeFileSync(otherPort, `[${sshd.address}]:${sshd.port + 1} ${sshd.knownHostsLine.split(' ').slice(1).join(' ')}\n${sshd.address} ${sshd.knownHostsLine.split(' ').slice(1).join(' ')}\n`);
    const unknown = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'kh-port', hostKey: undefined, knownHostsPath: otherPort })).exec('x', EXEC));
    expect(unknown.code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(unknown.message).toContain(otherPort);
    await pool.close();
  });

  it('known_hosts: entries hashed by ssh-keygen -H are matched', async () => {
    const pool = makePool();
    const path = join(tmp, 'known_hosts_hashed');
    writeFileSync(path, `example.org ssh-ed25519 ${otherKeyB64}\n${sshd.knownHostsLine}\n`);
    hashKnownHostsFile(path);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^\|1\|/m);
    expect(text).not.toContain(sshd.address);
    const r = await pool.transportFor(sshd.hostConfig({ name: 'kh-hashed', hostKey: undefined, knownHostsPath: path })).exec('echo ok', EXEC);
    expect(r.stdout).toBe('ok\n');

    const badPath = join(tmp, 'known_hosts_hashed_bad');
    writeFileSync(badPath, `[${sshd.address}]:${sshd.port} ssh-ed25519 ${otherKeyB64}\n`);
    hashKnownHostsFile(badPath);
    const err = await rejectionOf(pool.transportFor(sshd.hostConfig({ name: 'kh-hashed-bad', hostKey: undefined, knownHostsPath: badPath })).exec('x', EXEC));
    expect(err.code).toBe('SSH_HOST_KEY_MISMATCH');
    await pool.close();
  });
});

describe.skipIf(SKIP)(suiteName('trust on first use against a real sshd'), () => {
  let sshd: SshdHandle;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('pins the key on first use, then refuses the changed key after the host is re-keyed', async () => {
    const store = new MemoryHostKeyStore();
    const pool = makePool({ hostKeyStore: store });
    const host = sshd.hostConfig({ name: 'tofu', hostKey: undefined, hostKeyPolicy: 'tofu' });
    const t = pool.transportFor(host);
    expect((await t.exec('echo first', EXEC)).stdout).toBe('first\n');
    const firstKey = sshd.hostKeyFingerprint;
    expect(store.get('tofu')).toEqual({ fingerprint: firstKey });

    // Same key on reconnect: accepted.
    await sshd.restart();
    expect((await t.exec('echo again', EXEC)).stdout).toBe('again\n');

    // Re-keyed host on the same address and port.
    await sshd.restart({ newHostKey: true });
    expect(sshd.hostKeyFingerprint).not.toBe(firstKey);
    let attempts = 0;
    const err = await rejectionOf(
      withRetry(
        () => {
          attempts++;
          return t.exec('echo never', EXEC);
        },
        { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
      ),
    );
    expect(err.code).toBe('SSH_HOST_KEY_MISMATCH');
    expect(attempts).toBe(1);
    expect(err.message).toContain(firstKey);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(err.details).toMatchObject({ source: 'store', expectedFingerprint: firstKey, actualFingerprint: sshd.hostKeyFingerprint });
    // The pin is not replaced by the new key.
    expect(store.get('tofu')).toEqual({ fingerprint: firstKey });
    await pool.close();
  });
});
