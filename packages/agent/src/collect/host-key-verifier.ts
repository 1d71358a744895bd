/**
 * Host key verification: a pinned "SHA256:<base64>" fingerprint, a
 * known_hosts file (plain and hashed entries), or a HostKeyStore with the
 * `strict` / `tofu` policy.
 *
 * Order: pinned fingerprint (if configured, it alone decides) → known_hosts
 * (a matching key accepts, a different key of the same type or a revoked key
 * refuses; no entry of that key type falls through) → store (pinned key must
 * match) → policy (tofu pins, strict refuses).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { InfraError } from '@infrastructor/shared';
import type { HostKeyPolicy } from '../config/agent-config.js';

export interface HostKeyPin {
  fingerprint: string;
}

/** Where TOFU pins live. The SQLite implementation lives in the store layer. */
export interface HostKeyStore {
  get(hostName: string): HostKeyPin | undefined | Promise<HostKeyPin | undefined>;
  pin(hostName: string, fingerprint: string): void | Promise<void>;
}

export class MemoryHostKeyStore implements HostKeyStore {
  readonly #pins = new Map<string, HostKeyPin>();

  get(hostName: string): HostKeyPin | undefined {
    const pin = this.#pins.get(hostName);
    return pin ? { ...pin } : undefined;
  }

  pin(hostName: string, fingerprint: string): void {
    this.#pins.set(hostName, { fingerprint });
  }

  /** For tests and admin tooling. */
  delete(hostName: string): void {
    this.#pins.delete(hostName);
  }
}

/** "SHA256:<base64 without padding>", as `ssh-keygen -lf` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Normalise a configured fingerprint (tolerates trailing '=' and whitespace). */
export function normalizeFingerprint(fp: string): string {
  const trimmed = fp.trim();
  const m = /^SHA256:([A-Za-z0-9+/]+)=*$/.exec(trimmed);
  if (!m) throw new InfraError('CONFIG_INVALID', `host key fingerprint "${trimmed}" is not of the form SHA256:<base64>`);
  return `SHA256:${m[1]}`;
}

/** The key type string at the start of an SSH public key blob ("ssh-ed25519", ...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

// ---------------------------------------------------------------- known_hosts

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Comma-separated patterns, or one hashed "|1|salt|hash". */
  hosts: string;
  keyType: string;
  /** Raw key blob. */
  key: Buffer;
  line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, keyB64] = fields;
    if (hosts === undefined || keyType === undefined || keyB64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+=*$/.test(keyB64)) continue;
    const key = Buffer.from(keyB64, 'base64');
    if (keyTypeOf(key) !== keyType) continue; // corrupt line
    entries.push({ marker, hosts, keyType, key, line: i + 1 });
  }
  return entries;
}

/** How ssh names a host in known_hosts: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const src = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`, 'i');
}

/** Whether a known_hosts host field matches host:port (hashed, wildcards, negation). */
export function knownHostsFieldMatches(field: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (field.startsWith('|1|')) {
    const parts = field.split('|');
    const salt = parts[2];
    const hash = parts[3];
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat === '') continue;
    const negated = pat.startsWith('!');
    const p = negated ? pat.slice(1) : pat;
    if (globToRegExp(p).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** ssh2 server-host-key algorithms for the given key types, preferred first. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export function preferredHostKeyAlgorithms(keyTypes: readonly string[]): string[] | undefined {
  if (keyTypes.length === 0) return undefined;
  const first: string[] = [];
  for (const t of keyTypes) {
    const algos = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of algos) if (DEFAULT_HOST_KEY_ALGORITHMS.includes(a) && !first.includes(a)) first.push(a);
  }
  if (first.length === 0) return undefined;
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

// ------------------------------------------------------------------ verifier

export interface HostKeyVerifierOptions {
  /** The config name of the host (store key, messages). */
  hostName: string;
  address: string;
  port: number;
  /** Pinned "SHA256:..." fingerprint from config. */
  pinnedFingerprint?: string | undefined;
  knownHostsPath?: string | undefined;
  policy: HostKeyPolicy;
  store?: HostKeyStore | undefined;
  readFile?: (path: string) => Promise<Buffer | string>;
}

export type HostKeyDecision =
  | { ok: true; fingerprint: string; keyType: string; source: 'pinned' | 'known_hosts' | 'store' | 'tofu' }
  | { ok: false; fingerprint: string; keyType: string; error: InfraError };

function shortType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  return keyType;
}

export class HostKeyVerifier {
  readonly #o: HostKeyVerifierOptions;
  readonly #pinned: string | undefined;

  constructor(options: HostKeyVerifierOptions) {
    this.#o = options;
    this.#pinned = options.pinnedFingerprint ? normalizeFingerprint(options.pinnedFingerprint) : undefined;
  }

  #details(extra: Record<string, unknown>): Record<string, unknown> {
    return { host: this.#o.hostName, address: this.#o.address, port: this.#o.port, ...extra };
  }

  async #knownHosts(): Promise<KnownHostEntry[]> {
    const path = this.#o.knownHostsPath;
    if (!path) return [];
    let text: string;
    try {
      const data = await (this.#o.readFile ?? fsReadFile)(path);
      text = typeof data === 'string' ? data : data.toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new InfraError('CONFIG_READ_FAILED', `known_hosts file ${path} could not be read: ${(err as Error).message}`, {
        cause: err,
        details: this.#details({ knownHostsPath: path }),
      });
    }
    return parseKnownHosts(text).filter((e) => knownHostsFieldMatches(e.hosts, this.#o.address, this.#o.port));
  }

  /** ssh2 `algorithms.serverHostKey` so the server presents a key type known_hosts has. */
  async preferredAlgorithms(): Promise<string[] | undefined> {
    if (this.#pinned) return undefined;
    try {
      const entries = await this.#knownHosts();
      return preferredHostKeyAlgorithms(entries.filter((e) => e.marker === undefined).map((e) => e.keyType));
    } catch {
      return undefined;
    }
  }

  async verify(keyBlob: Buffer): Promise<HostKeyDecision> {
    const fingerprint = fingerprintOf(keyBlob);
    const keyType = keyTypeOf(keyBlob);
    const { hostName, address, port } = this.#o;
    const where = `${hostName} (${address}:${port})`;
    const refuse = (error: InfraError): HostKeyDecision => ({ ok: false, fingerprint, keyType, error });

    if (this.#pinned) {
      if (this.#pinned === fingerprint) return { ok: true, fingerprint, keyType, source: 'pinned' };
      return refuse(
        new InfraError(
          'SSH_HOST_KEY_MISMATCH',
          `host key for ${where} does not match the pinned key: expected ${this.#pinned}, got ${shortType(keyType)} ${fingerprint}. ` +
            `If the host was reinstalled, verify the new key and update hostKey in the configuration.`,
          { details: this.#details({ expectedFingerprint: this.#pinned, actualFingerprint: fingerprint, keyType, source: 'config' }) },
        ),
      );
    }

    if (this.#o.knownHostsPath) {
      let entries: KnownHostEntry[];
      try {
        entries = await this.#knownHosts();
      } catch (err) {
        return refuse(err as InfraError);
      }
      const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
      if (revoked) {
        return refuse(
          new InfraError('SSH_HOST_KEY_MISMATCH', `host key ${fingerprint} for ${where} is marked @revoked in ${this.#o.knownHostsPath}`, {
            details: this.#details({ actualFingerprint: fingerprint, keyType, source: 'known_hosts', line: revoked.line }),
          }),
        );
      }
      const sameType = entries.filter((e) => e.marker === undefined && e.keyType === keyType);
      if (sameType.some((e) => e.key.equals(keyBlob))) return { ok: true, fingerprint, keyType, source: 'known_hosts' };
      if (sameType.length > 0) {
        const expected = sameType.map((e) => fingerprintOf(e.key));
        return refuse(
          new InfraError(
            'SSH_HOST_KEY_MISMATCH',
            `host key for ${where} does not match ${this.#o.knownHostsPath} (line ${sameType[0]!.line}): ` +
              `expected ${expected.join(' or ')}, got ${shortType(keyType)} ${fingerprint}`,
            {
              details: this.#details({
                expectedFingerprint: expected[0],
                actualFingerprint: fingerprint,
                keyType,
                source: 'known_hosts',
              }),
            },
          ),
        );
      }
    }

    const store = this.#o.store;
    if (store) {
      const pin = await store.get(hostName);
      if (pin) {
        if (pin.fingerprint === fingerprint) return { ok: true, fingerprint, keyType, source: 'store' };
        return refuse(
          new InfraError(
            'SSH_HOST_KEY_MISMATCH',
            `host key for ${where} changed: pinned ${pin.fingerprint} on first use, now ${shortType(keyType)} ${fingerprint}. ` +
              `Refusing to connect. If the change is expected, verify the new key and remove the old pin.`,
            { details: this.#details({ expectedFingerprint: pin.fingerprint, actualFingerprint: fingerprint, keyType, source: 'store' }) },
          ),
        );
      }
      if (this.#o.policy === 'tofu') {
        await store.pin(hostName, fingerprint);
        return { ok: true, fingerprint, keyType, source: 'tofu' };
      }
    }

    return refuse(
      new InfraError(
        'SSH_HOST_KEY_UNKNOWN',
        `host key for ${where} is not known: the host offered ${shortType(keyType)} ${fingerprint}. ` +
          `Verify it on the host (ssh-keygen -lf /etc/ssh/ssh_host_${shortType(keyType).toLowerCase()}_key.pub) and pin it ` +
          `with "hostKey: ${fingerprint}" in this host's configuration` +
          (this.#o.knownHostsPath ? `, add it to ${this.#o.knownHostsPath}` : '') +
          (this.#o.policy === 'tofu'
            ? ` (hostKeyPolicy is tofu, but no host key store is configured to pin it in).`
            : `, or set hostKeyPolicy: tofu to trust it on first use.`),
        { details: this.#details({ actualFingerprint: fingerprint, keyType, policy: this.#o.policy }) },
      ),
    );
  }
}
