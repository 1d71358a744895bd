import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import {
  HostKeyVerifier,
  MemoryHostKeyStore,
  fingerprintOf,
  keyTypeOf,
  knownHostsFieldMatches,
  normalizeFingerprint,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../src/collect/host-key-verifier.js';
import { generateUsableKeyPair } from './fake-ssh-server.js';

function makeKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { blob: Buffer; line: string } {
  const pair = generateUsableKeyPair(type);
  const parsed = ssh2.utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return { blob, line: `${parsed.type} ${blob.toString('base64')}` };
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const base = { hostName: 'web1', address: '10.0.0.5', port: 2222 } as const;
const files = (map: Record<string, string>) => async (p: string) => {
  if (!(p in map)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return Buffer.from(map[p]!);
};

describe('fingerprints', () => {
  it('match ssh-keygen -lf output exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-fp-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pub = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'k')], { encoding: 'utf8' }).trim();
      writeFileSync(join(dir, 'k.pub'), `${pub}\n`);
      const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      const blob = Buffer.from(pub.split(' ')[1]!, 'base64');
      expect(fingerprintOf(blob)).toBe(expected);
      expect(keyTypeOf(blob)).toBe('ssh-ed25519');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalize tolerates padding and rejects other forms', () => {
    expect(normalizeFingerprint(' SHA256:abc+/9= ')).toBe('SHA256:abc+/9');
    expect(() => normalizeFingerprint('MD5:aa:bb')).toThrow(/SHA256/);
  });
});

describe('known_hosts matching', () => {
  it('plain, [host]:port, wildcard, negation and hashed entries', () => {
    expect(knownHostsFieldMatches('10.0.0.5', '10.0.0.5', 22)).toBe(true);
    expect(knownHostsFieldMatches('10.0.0.5', '10.0.0.5', 2222)).toBe(false);
    expect(knownHostsFieldMatches('[10.0.0.5]:2222', '10.0.0.5', 2222)).toBe(true);
    expect(knownHostsFieldMatches('a.example,10.0.0.*', '10.0.0.9', 22)).toBe(true);
    expect(knownHostsFieldMatches('10.0.0.*,!10.0.0.9', '10.0.0.9', 22)).toBe(false);
    expect(knownHostsFieldMatches(hashedName('[10.0.0.5]:2222'), '10.0.0.5', 2222)).toBe(true);
    expect(knownHostsFieldMatches(hashedName('10.0.0.5'), '10.0.0.5', 2222)).toBe(false);
  });

  it('parses markers and skips corrupt lines', () => {
    const k = makeKey();
    const entries = parseKnownHosts(`# c\n\n@revoked h ${k.line}\nh ssh-ed25519 !!!\nh ssh-rsa ${k.line.split(' ')[1]}\nh ${k.line}\n`);
    expect(entries.map((e) => [e.marker, e.line])).toEqual([
      ['revoked', 3],
      [undefined, 6],
    ]);
  });

  it('prefers the key types known_hosts has for the host', () => {
    expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256'])?.[0]).toBe('ecdsa-sha2-nistp256');
    expect(preferredHostKeyAlgorithms(['ssh-rsa'])?.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms([])).toBeUndefined();
  });
});

describe('HostKeyVerifier', () => {
  it('a configured pin alone decides', async () => {
    const k = makeKey();
    const ok = await new HostKeyVerifier({ ...base, policy: 'strict', pinnedFingerprint: fingerprintOf(k.blob) }).verify(k.blob);
    expect(ok).toMatchObject({ ok: true, source: 'pinned' });
    const other = makeKey();
    const bad = await new HostKeyVerifier({ ...base, policy: 'tofu', store: new MemoryHostKeyStore(), pinnedFingerprint: fingerprintOf(other.blob) }).verify(k.blob);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('SSH_HOST_KEY_MISMATCH');
      expect(bad.error.details).toMatchObject({ expectedFingerprint: fingerprintOf(other.blob), actualFingerprint: fingerprintOf(k.blob), host: 'web1' });
    }
  });

  it('known_hosts: same type different key → mismatch; only other types → falls through to policy', async () => {
    const server = makeKey('ed25519');
    const otherEd = makeKey('ed25519');
    const ecdsa = makeKey('ecdsa');
    const readFile = files({
      '/kh/mismatch': `[10.0.0.5]:2222 ${otherEd.line}\n`,
      '/kh/othertype': `[10.0.0.5]:2222 ${ecdsa.line}\n`,
      '/kh/revoked': `@revoked [10.0.0.5]:2222 ${server.line}\n[10.0.0.5]:2222 ${server.line}\n`,
    });
    const mm = await new HostKeyVerifier({ ...base, policy: 'strict', knownHostsPath: '/kh/mismatch', readFile }).verify(server.blob);
    expect(mm.ok ? 'ok' : mm.error.code).toBe('SSH_HOST_KEY_MISMATCH');
    const ot = await new HostKeyVerifier({ ...base, policy: 'strict', knownHostsPath: '/kh/othertype', readFile }).verify(server.blob);
    expect(ot.ok ? 'ok' : ot.error.code).toBe('SSH_HOST_KEY_UNKNOWN');
    const store = new MemoryHostKeyStore();
    const tofu = await new HostKeyVerifier({ ...base, policy: 'tofu', store, knownHostsPath: '/kh/othertype', readFile }).verify(server.blob);
    expect(tofu).toMatchObject({ ok: true, source: 'tofu' });
    const rv = await new HostKeyVerifier({ ...base, policy: 'tofu', store, knownHostsPath: '/kh/revoked', readFile }).verify(server.blob);
    expect(rv.ok ? 'ok' : rv.error.message).toMatch(/@revoked/);
    // A missing known_hosts file is empty, not an error.
    const missing = await new HostKeyVerifier({ ...base, policy: 'strict', knownHostsPath: '/kh/none', readFile }).verify(server.blob);
    expect(missing.ok ? 'ok' : missing.error.code).toBe('SSH_HOST_KEY_UNKNOWN');
  });

  it('tofu pins the first key, accepts it again, refuses a different one; strict consults but never pins', async () => {
    const first = makeKey();
    const second = makeKey();
    const store = new MemoryHostKeyStore();
    const tofu = new HostKeyVerifier({ ...base, policy: 'tofu', store });
    expect(await tofu.verify(first.blob)).toMatchObject({ ok: true, source: 'tofu' });
    expect(store.get('web1')).toEqual({ fingerprint: fingerprintOf(first.blob) });
    expect(await tofu.verify(first.blob)).toMatchObject({ ok: true, source: 'store' });
    const changed = await tofu.verify(second.blob);
    expect(changed.ok).toBe(false);
    if (!changed.ok) {
      expect(changed.error.code).toBe('SSH_HOST_KEY_MISMATCH');
      expect(changed.error.message).toContain(fingerprintOf(first.blob));
      expect(changed.error.message).toContain(fingerprintOf(second.blob));
    }
    expect(store.get('web1')).toEqual({ fingerprint: fingerprintOf(first.blob) });

    const strictStore = new MemoryHostKeyStore();
    const strict = new HostKeyVerifier({ ...base, policy: 'strict', store: strictStore });
    const unknown = await strict.verify(first.blob);
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(strictStore.get('web1')).toBeUndefined();
    strictStore.pin('web1', fingerprintOf(first.blob));
    expect(await strict.verify(first.blob)).toMatchObject({ ok: true, source: 'store' });
  });

  it('works with an async store', async () => {
    const pins = new Map<string, string>();
    const store = {
      get: async (h: string) => (pins.has(h) ? { fingerprint: pins.get(h)! } : undefined),
      pin: async (h: string, fp: string) => void pins.set(h, fp),
    };
    const k = makeKey();
    const v = new HostKeyVerifier({ ...base, policy: 'tofu', store });
    expect(await v.verify(k.blob)).toMatchObject({ ok: true, source: 'tofu' });
    expect(pins.get('web1')).toBe(fingerprintOf(k.blob));
  });
});
