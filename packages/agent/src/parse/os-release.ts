/**
 * /etc/os-release (os-release(5)): KEY=value lines, values unquoted or in
 * shell-style single/double quotes, # comments. The well-known keys are
 * picked out; all keys are kept in `fields`.
 */
import { parseError } from './parse-error.js';
import { textLines } from './text-lines.js';

const PARSER = 'os-release';

export interface OsRelease {
  /** "debian", "ubuntu", "alpine", ... */
  id: string | null;
  name: string | null;
  prettyName: string | null;
  versionId: string | null;
  versionCodename: string | null;
  /** "debian" for Ubuntu, "rhel fedora" for Rocky, ... */
  idLike: string | null;
  fields: Record<string, string>;
}

function unquote(raw: string, line: string): string {
  const v = raw.trim();
  if (v.startsWith('"')) {
    if (v.length < 2 || !v.endsWith('"')) throw parseError(PARSER, 'unterminated double quote', line);
    return v.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  }
  if (v.startsWith("'")) {
    if (v.length < 2 || !v.endsWith("'")) throw parseError(PARSER, 'unterminated single quote', line);
    return v.slice(1, -1);
  }
  return v.replace(/\\(.)/g, '$1');
}

export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of textLines(text)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
    if (!m) throw parseError(PARSER, 'line is not KEY=value', line);
    fields.set(m[1] ?? '', unquote(m[2] ?? '', line));
  }
  if (fields.size === 0) throw parseError(PARSER, 'no KEY=value lines', text);
  const get = (k: string): string | null => fields.get(k) ?? null;
  return {
    id: get('ID'),
    name: get('NAME'),
    prettyName: get('PRETTY_NAME'),
    versionId: get('VERSION_ID'),
    versionCodename: get('VERSION_CODENAME'),
    idLike: get('ID_LIKE'),
    fields: Object.fromEntries(fields),
  };
}
