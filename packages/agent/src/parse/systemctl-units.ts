import { parseError } from './parse-error.js';
import { isRecord } from './docker-json-lines.js';

export const SYSTEMCTL_UNITS_PARSER = 'systemctl-units';

export interface SystemctlUnit {
  unit: string;
  /** loaded, not-found, masked, bad-setting, error, ... */
  load: string;
  /** active, inactive, failed, activating, deactivating, reloading, maintenance, refreshing */
  active: string;
  /** running, exited, dead, failed, waiting, plugged, mounted, ... */
  sub: string;
  description: string;
}

const ACTIVE_STATES = new Set(['active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading', 'maintenance', 'refreshing']);
const LOAD_STATES = new Set(['loaded', 'not-found', 'bad-setting', 'error', 'masked', 'merged', 'stub']);
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** `systemctl list-units --output=json` (also json-pretty): an array of {unit, load, active, sub, description}. */
export function parseSystemctlUnitsJson(text: string): SystemctlUnit[] {
  const p = SYSTEMCTL_UNITS_PARSER;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw parseError(p, 'not valid JSON', text);
  }
  if (!Array.isArray(value)) throw parseError(p, 'JSON output is not an array', text);
  return value.map((item: unknown, i) => {
    if (!isRecord(item)) throw parseError(p, `entry ${i} is not an object`, JSON.stringify(item) ?? '');
    const field = (k: string): string => {
      const v = item[k];
      if (typeof v !== 'string') throw parseError(p, `entry ${i}: ${k} is missing or not a string`, JSON.stringify(item));
      return v;
    };
    const description = item.description;
    return {
      unit: field('unit'),
      load: field('load'),
      active: field('active'),
      sub: field('sub'),
      description: typeof description === 'string' ? description : '',
    };
  });
}

function isLegendOrFooter(line: string): boolean {
  return (
    /^Legend:/.test(line) ||
    /^(LOAD|ACTIVE|SUB|JOB)\s+(=|→)/.test(line) ||
    /^[0-9]+ loaded units? listed\b/.test(line) ||
    /^To show all installed unit files/.test(line) ||
    /^Pass --all to see/.test(line)
  );
}

/**
 * The table of `systemctl list-units` in any of its shapes: `--plain
 * --no-legend` (bare columns), or the default with a header, a `●`/`*`
 * marker column for failed or not-found units, ANSI colours, and the legend
 * and footer lines (old `LOAD   = ...` and systemd ≥ 254 `Legend: ... →`).
 * A unit line whose LOAD or ACTIVE column is not a known state fails.
 */
export function parseSystemctlUnitsPlain(text: string): SystemctlUnit[] {
  const p = SYSTEMCTL_UNITS_PARSER;
  const out: SystemctlUnit[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(ANSI_RE, '').replace(/\r$/, '').trimEnd();
    const t = line.replace(/^\s*(?:●|\*)\s+/, '').trim();
    if (t === '' || isLegendOrFooter(t)) continue;
    if (/^UNIT\s+LOAD\s+ACTIVE\s+SUB\b/.test(t)) continue;
    // Legend continuation lines are indented text after "Legend:".
    if (/^\s+(ACTIVE|SUB|JOB)\s+→/.test(line)) continue;
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(t);
    if (!m) throw parseError(p, `line ${i + 1}: not a unit line`, line);
    const [, unit = '', load = '', active = '', sub = '', description = ''] = m;
    if (!LOAD_STATES.has(load) || !ACTIVE_STATES.has(active)) {
      throw parseError(p, `line ${i + 1}: LOAD ${JSON.stringify(load)} / ACTIVE ${JSON.stringify(active)} are not unit states`, line);
    }
    out.push({ unit, load, active, sub, description: description.trim() });
  }
  return out;
}

/** Either shape: JSON when the output starts with `[`, else the table. Empty output = no units. */
export function parseSystemctlUnits(text: string): SystemctlUnit[] {
  const t = text.trim();
  if (t === '') return [];
  return t.startsWith('[') ? parseSystemctlUnitsJson(t) : parseSystemctlUnitsPlain(text);
}
