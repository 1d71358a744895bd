import { parseError } from './parse-error.js';

export const SYSTEMD_UNIT_PARSER = 'systemd-unit';

export interface SystemdUnitFile {
  /**
   * Section name → key → values in file order. Every key is a list (a key
   * given once is a one-element list), so single and repeated keys read the
   * same way. A section that appears twice is merged.
   *
   * Empty assignment: `Key=` clears the values collected so far for that key
   * in that section (systemd's rule for list settings such as ExecStart=,
   * and for others it resets to the default), so `ExecStart=` followed by
   * `ExecStart=/x` gives `["/x"]`, and a trailing `Key=` gives `[]` — the
   * key stays present so an explicit reset is visible.
   */
  sections: Record<string, Record<string, string[]>>;
}

/**
 * A systemd unit file (or drop-in): `[Section]` headers, `Key=Value` lines,
 * `#` and `;` comment lines, a trailing backslash continuing the line (it is
 * replaced by a space; comment lines inside a continuation are skipped, as
 * systemd does). A line that is none of these, or a key outside any section,
 * → PARSE_FAILED with its line number. Values are kept as written (no
 * specifier or quote processing).
 */
export function parseSystemdUnit(text: string): SystemdUnitFile {
  const p = SYSTEMD_UNIT_PARSER;
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let line = (lines[i] ?? '').replace(/\r$/, '');
    const trimmedStart = line.trimStart();
    if (trimmedStart === '' || trimmedStart.startsWith('#') || trimmedStart.startsWith(';')) continue;
    // Continuation: join while the line ends in a backslash.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      let next = '';
      let isComment = true;
      while (isComment && i + 1 < lines.length) {
        i++;
        next = (lines[i] ?? '').replace(/\r$/, '');
        const nt = next.trimStart();
        isComment = nt.startsWith('#') || nt.startsWith(';');
      }
      if (isComment) break;
      line += next;
    }
    line = line.replace(/\\\s*$/, '').trim();
    if (line === '') continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1] ?? '';
      current = sections.get(name) ?? new Map<string, string[]>();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw parseError(p, `line ${startLine}: not a [Section], Key=Value or comment`, line);
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw parseError(p, `line ${startLine}: bad key ${JSON.stringify(key)}`, line);
    if (current === null) throw parseError(p, `line ${startLine}: assignment outside of any [Section]`, line);
    const value = line.slice(eq + 1).trim();
    if (value === '') {
      current.set(key, []);
      continue;
    }
    const list = current.get(key);
    if (list) list.push(value);
    else current.set(key, [value]);
  }
  return {
    sections: Object.fromEntries([...sections].map(([name, keys]) => [name, Object.fromEntries(keys)])),
  };
}
