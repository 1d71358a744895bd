/**
 * The `hub` section: where the agent streams its outbox and how. Absent
 * means stand-alone. The token is never echoed in a problem message.
 */
import { isScalar } from 'yaml';
import { AGENT_PATH, MAX_RECORDS_PER_BATCH, NAME_PATTERN, readBoolean, readInteger, type MapView, type ValueRef, type YamlReader } from '@infrastructor/shared';
import type { HubConfig } from './agent-config.js';
import { optional, readPath, readString, required, withDefault } from './read-values.js';
import { Secret } from './secret.js';

const MIB = 1024 * 1024;

export const HUB_DEFAULTS = {
  insecure: false,
  batchMaxRecords: 500,
  batchMaxBytes: MIB,
  windowMaxRecords: 5000,
  windowMaxBytes: 8 * MIB,
  reconnectBaseDelayMs: 500,
  reconnectMaxDelayMs: 30_000,
  pingIntervalMs: 15_000,
  statusIntervalMs: 10_000,
} as const;

export const HUB_KEYS = ['url', 'agentId', 'token', 'tokenFile', 'caFile', ...Object.keys(HUB_DEFAULTS)] as const;

/** Visible ASCII, no spaces: safe in an HTTP header. */
const TOKEN_RE = /^[\x21-\x7e]{1,4096}$/;

export function readHub(src: YamlReader, root: MapView, baseDir: string, site: string | undefined): HubConfig | undefined {
  const ref = root.get('hub');
  if (ref === undefined) return undefined;
  const view = src.map(ref, HUB_KEYS);
  if (view === undefined) return undefined;
  const int = (min: number, max: number) => (r: ValueRef) => readInteger(src, r, { min, max });
  const d = HUB_DEFAULTS;

  const insecure = withDefault(view, 'insecure', (r) => readBoolean(src, r), d.insecure);
  const url = required(src, view, 'url', (r) => readHubUrl(src, r, insecure));
  const agentId =
    optional(view, 'agentId', (r) => readString(src, r, { pattern: NAME_PATTERN, patternHint: 'letters, digits, _ . - (at most 128)' })) ?? site ?? '';
  const token = optional(view, 'token', (r) => readToken(src, r));
  const tokenFile = optional(view, 'tokenFile', (r) => readPath(src, r, baseDir));
  if (view.get('token') !== undefined && view.get('tokenFile') !== undefined) {
    src.invalid(view.get('tokenFile') as ValueRef, 'set either hub.token or hub.tokenFile, not both');
  } else if (view.get('token') === undefined && view.get('tokenFile') === undefined) {
    src.invalid(view.ref, 'required key is missing: hub.token or hub.tokenFile (prefer tokenFile: a file only the agent can read)');
  }
  const caFile = optional(view, 'caFile', (r) => {
    if (url !== undefined && url.startsWith('ws:')) return src.invalid(r, 'caFile only applies to wss:// URLs');
    return readPath(src, r, baseDir);
  });

  const hub: HubConfig = {
    url: url ?? '',
    agentId,
    insecure,
    batchMaxRecords: withDefault(view, 'batchMaxRecords', int(1, MAX_RECORDS_PER_BATCH), d.batchMaxRecords),
    batchMaxBytes: withDefault(view, 'batchMaxBytes', int(1024, 8 * MIB), d.batchMaxBytes),
    windowMaxRecords: withDefault(view, 'windowMaxRecords', int(1, 1_000_000), d.windowMaxRecords),
    windowMaxBytes: withDefault(view, 'windowMaxBytes', int(1024, 1024 * MIB), d.windowMaxBytes),
    reconnectBaseDelayMs: withDefault(view, 'reconnectBaseDelayMs', int(10, 60_000), d.reconnectBaseDelayMs),
    reconnectMaxDelayMs: withDefault(view, 'reconnectMaxDelayMs', int(100, 3_600_000), d.reconnectMaxDelayMs),
    pingIntervalMs: withDefault(view, 'pingIntervalMs', int(1000, 600_000), d.pingIntervalMs),
    statusIntervalMs: withDefault(view, 'statusIntervalMs', int(1000, 3_600_000), d.statusIntervalMs),
    ...(token === undefined ? {} : { token }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(caFile === undefined ? {} : { caFile }),
  };
  atLeast(src, view, hub, 'windowMaxRecords', 'batchMaxRecords');
  atLeast(src, view, hub, 'windowMaxBytes', 'batchMaxBytes');
  atLeast(src, view, hub, 'reconnectMaxDelayMs', 'reconnectBaseDelayMs');
  return hub;
}

type NumericKey = 'batchMaxRecords' | 'batchMaxBytes' | 'windowMaxRecords' | 'windowMaxBytes' | 'reconnectBaseDelayMs' | 'reconnectMaxDelayMs';

/** `key` must be ≥ `other`; reported at whichever of the two is written (key first). */
function atLeast(src: YamlReader, view: MapView, hub: HubConfig, key: NumericKey, other: NumericKey): void {
  if (hub[key] >= hub[other]) return;
  const at = view.get(key) ?? view.get(other) ?? view.ref;
  src.invalid(at, `hub.${key} (${hub[key]}) must be at least hub.${other} (${hub[other]})`);
}

function readHubUrl(src: YamlReader, ref: ValueRef, insecure: boolean): string | undefined {
  const text = readString(src, ref, { maxLength: 2048 });
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return src.invalid(ref, `${JSON.stringify(text)} is not a URL; write e.g. wss://hub.example.lan:7443${AGENT_PATH}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return src.invalid(ref, `must start with wss:// (or ws:// with hub.insecure: true), got ${url.protocol}//`);
  }
  if (url.username !== '' || url.password !== '') {
    return src.invalid(ref, 'must not contain credentials; put the token in hub.tokenFile (or hub.token)');
  }
  if (url.hash !== '') return src.invalid(ref, 'must not have a #fragment');
  if (url.protocol === 'ws:' && !insecure) {
    return src.invalid(
      ref,
      'ws:// sends the token and every record unencrypted; use wss://, or set hub.insecure: true if the network is trusted (e.g. a TLS proxy on the same machine)',
    );
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = AGENT_PATH;
  return url.toString();
}

/** The token, checked without ever putting its value in a message. */
function readToken(src: YamlReader, ref: ValueRef): Secret | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'string') {
    return src.invalid(ref, 'expected a string (the value is not shown: it may be a secret; quote it)');
  }
  if (!TOKEN_RE.test(node.value)) {
    return src.invalid(ref, 'must be 1–4096 visible ASCII characters without spaces (the value is not shown)');
  }
  return new Secret(node.value);
}
