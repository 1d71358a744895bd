/** `hosts`: the machines of the site and how to reach them. */
import type { AgentConfig, HostConfig, HostKeyPolicy } from './agent-config.js';
import { readInteger, type MapView, type SourcePos, type YamlReader } from '@infrastructor/shared';
import { optional, readEnum, readPath, readString, readStringList, required, withDefault } from './read-values.js';
import { readOverrides, type KnownCommands } from './validate-commands.js';
import { USER_NAME_RE } from './validate-sections.js';

export const HOST_DEFAULTS = { transport: 'ssh', port: 22, hostKeyPolicy: 'strict' } as const;

export const HOST_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
/** Hostname, IPv4 or IPv6 (no spaces, no shell or URL syntax). */
export const ADDRESS_RE = /^[A-Za-z0-9._:%-]{1,253}$/;
/** "SHA256:" + unpadded base64 of 32 bytes, as `ssh-keygen -lf` prints it. */
export const HOST_KEY_PIN_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
export const TAG_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

const HOST_KEYS = [
  'name',
  'transport',
  'address',
  'port',
  'user',
  'privateKeyPath',
  'hostKey',
  'knownHostsPath',
  'hostKeyPolicy',
  'tags',
  'commands',
] as const;
const SSH_ONLY_KEYS = ['address', 'port', 'user', 'privateKeyPath', 'hostKey', 'knownHostsPath', 'hostKeyPolicy'] as const;

export interface HostsContext {
  baseDir: string;
  ssh: AgentConfig['ssh'];
  known: KnownCommands;
}

export function readHosts(src: YamlReader, root: MapView, ctx: HostsContext): HostConfig[] {
  const items = required(src, root, 'hosts', (r) => src.items(r));
  if (items === undefined) return [];
  if (items.length === 0) {
    src.invalid(root.get('hosts') ?? root.ref, 'needs at least one host');
    return [];
  }
  const hosts: HostConfig[] = [];
  const seen = new Map<string, SourcePos>();
  for (const item of items) {
    const view = src.map(item, HOST_KEYS);
    if (view === undefined) continue;
    const name = required(src, view, 'name', (r) => {
      const n = readString(src, r, { pattern: HOST_NAME_RE, patternHint: 'letters, digits, _ . - (at most 64)' });
      if (n === undefined) return undefined;
      const first = seen.get(n);
      if (first !== undefined) return src.invalid(r, `duplicate host name ${JSON.stringify(n)} (first used at line ${first.line})`);
      seen.set(n, r.pos);
      return n;
    });
    const transport = withDefault(view, 'transport', (r) => readEnum(src, r, ['ssh', 'local'] as const), HOST_DEFAULTS.transport);
    const tags = withDefault(view, 'tags', (r) => readStringList(src, r, { pattern: TAG_RE, patternHint: 'letters, digits, _ . : - (at most 64)', unique: true }), []);
    const commands = readOverrides(src, view.get('commands'), ctx.known);
    const base = { name: name ?? '', transport, tags, commands };
    if (transport === 'local') {
      for (const key of SSH_ONLY_KEYS) {
        if (view.has(key)) src.invalid({ path: view.pathOf(key), pos: view.keyPos(key) }, 'applies only to transport: ssh');
      }
      hosts.push({ ...base, address: 'localhost', port: 0, user: '', hostKeyPolicy: 'strict' });
      continue;
    }
    const address = required(src, view, 'address', (r) => readString(src, r, { pattern: ADDRESS_RE, patternHint: 'a hostname or IP address' }), ' (needed for transport: ssh)');
    const port = withDefault(view, 'port', (r) => readInteger(src, r, { min: 1, max: 65_535 }), HOST_DEFAULTS.port);
    const user = withDefault(view, 'user', (r) => readString(src, r, { pattern: USER_NAME_RE, patternHint: 'a login name', maxLength: 64 }), ctx.ssh.defaultUser);
    let privateKeyPath = optional(view, 'privateKeyPath', (r) => readPath(src, r, ctx.baseDir));
    if (privateKeyPath === undefined && view.get('privateKeyPath') === undefined) {
      privateKeyPath = ctx.ssh.defaultPrivateKeyPath;
      if (privateKeyPath === undefined) {
        src.invalid(view.missing('privateKeyPath'), 'required key is missing (needed for transport: ssh unless ssh.defaultPrivateKeyPath is set)');
      }
    }
    const hostKey = optional(view, 'hostKey', (r) =>
      readString(src, r, { pattern: HOST_KEY_PIN_RE, patternHint: 'a fingerprint like "SHA256:" + 43 base64 characters, as `ssh-keygen -lf` prints it' }),
    );
    const knownHostsPath = optional(view, 'knownHostsPath', (r) => readPath(src, r, ctx.baseDir));
    const hostKeyPolicy = withDefault<HostKeyPolicy>(view, 'hostKeyPolicy', (r) => readEnum(src, r, ['strict', 'tofu'] as const), HOST_DEFAULTS.hostKeyPolicy);
    hosts.push({
      ...base,
      address: address ?? '',
      port,
      user,
      ...(privateKeyPath === undefined ? {} : { privateKeyPath }),
      ...(hostKey === undefined ? {} : { hostKey }),
      ...(knownHostsPath === undefined ? {} : { knownHostsPath }),
      hostKeyPolicy,
    });
  }
  return hosts;
}
