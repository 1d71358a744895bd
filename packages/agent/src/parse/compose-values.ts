/**
 * Short-syntax entries of a compose file (`ports`, `volumes`), which may
 * contain `${VAR:-default}` interpolations and `[::1]` addresses whose
 * colons are not separators.
 */

export interface ComposePort {
  /** The short-syntax string as written; null for long syntax. */
  raw: string | null;
  hostIp: string | null;
  /** Host port or range as written ("8080", "9000-9010", "${PORT}"); null when not published. */
  published: string | null;
  /** Container port or range as written. */
  target: string | null;
  protocol: string;
  /** Long syntax `mode` (host/ingress). */
  mode: string | null;
}

export interface ComposeVolumeMount {
  raw: string | null;
  /** bind, volume, tmpfs, npipe, ... (short syntax: bind for paths, volume for names). */
  type: string;
  source: string | null;
  target: string | null;
  readOnly: boolean;
}

/** Split on `sep` outside `${...}` and `[...]`. */
export function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let bracket = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '$' && text[i + 1] === '{') {
      depth++;
      cur += '${';
      i++;
      continue;
    }
    if (ch === '}' && depth > 0) depth--;
    else if (ch === '[' && depth === 0) bracket = true;
    else if (ch === ']' && depth === 0) bracket = false;
    if (ch === sep && depth === 0 && !bracket) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** `"127.0.0.1:8080:80/udp"`, `"8080:80"`, `"80"`, `"[::1]:53:53/udp"`, `"9000-9010:9000-9010"`. */
export function shortPort(raw: string): ComposePort {
  let rest = raw.trim();
  let protocol = 'tcp';
  const slashParts = splitOutside(rest, '/');
  const last = slashParts[slashParts.length - 1];
  if (slashParts.length > 1 && last !== undefined && /^[a-z]+$/.test(last)) {
    protocol = last;
    rest = slashParts.slice(0, -1).join('/');
  }
  const parts = splitOutside(rest, ':');
  const target = parts[parts.length - 1] ?? null;
  const published = parts.length >= 2 ? parts[parts.length - 2] ?? null : null;
  let hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : null;
  if (hostIp !== null && hostIp.startsWith('[') && hostIp.endsWith(']')) hostIp = hostIp.slice(1, -1);
  return {
    raw,
    hostIp: hostIp === '' ? null : hostIp,
    published: published === '' ? null : published,
    target: target === '' ? null : target,
    protocol,
    mode: null,
  };
}

/** `"./data:/data:ro"`, `"dbdata:/var/lib/db"`, `"/cache"` (anonymous volume). */
export function shortVolume(raw: string): ComposeVolumeMount {
  const parts = splitOutside(raw.trim(), ':');
  if (parts.length === 1) return { raw, type: 'volume', source: null, target: parts[0] ?? null, readOnly: false };
  const source = parts[0] ?? '';
  const target = parts[1] ?? null;
  const mode = parts.slice(2).join(':');
  const isPath = /^[/.~$]/.test(source);
  return {
    raw,
    type: isPath ? 'bind' : 'volume',
    source,
    target,
    readOnly: mode.split(',').includes('ro'),
  };
}
