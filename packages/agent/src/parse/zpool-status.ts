import { parseError } from './parse-error.js';
import { parseZpoolScan, type ZpoolScan } from './zpool-scan.js';
import { zfsCount } from './zfs-values.js';

export const ZPOOL_STATUS_PARSER = 'zpool-status';

export interface ZpoolVdev {
  name: string;
  /** ONLINE, DEGRADED, FAULTED, UNAVAIL, OFFLINE, REMOVED, AVAIL/INUSE (spares); null for a bare row. */
  state: string | null;
  /** null where the row has no counters (spares). `1.2K` style counts are approximate. */
  readErrors: number | null;
  writeErrors: number | null;
  checksumErrors: number | null;
  /** Text after the counters: "(resilvering)", "was /dev/...", "cannot open", ... */
  note: string | null;
  resilvering: boolean;
  children: ZpoolVdev[];
}

export interface ZpoolConfig {
  /** The pool's own row; its children are the data vdevs. */
  pool: ZpoolVdev | null;
  logs: ZpoolVdev[];
  cache: ZpoolVdev[];
  spares: ZpoolVdev[];
  special: ZpoolVdev[];
  dedup: ZpoolVdev[];
}

export interface ZpoolDataErrors {
  text: string;
  /** 0 for "No known data errors"; null when the text gives no number. */
  count: number | null;
  /** Files listed after "Permanent errors have been detected..." (with -v). */
  files: string[];
}

export interface ZpoolStatus {
  name: string;
  id: string | null;
  state: string;
  status: string | null;
  action: string | null;
  see: string | null;
  scan: ZpoolScan | null;
  config: ZpoolConfig;
  errors: ZpoolDataErrors | null;
}

/**
 * `  pool: x`, ` state: ONLINE`, `config:`, `scan warning: ...`: keys are
 * right-aligned with spaces only. Continuation lines are indented with a tab
 * (OpenZFS) or 8 spaces (Solaris), so they never match.
 */
const FIELD_RE = /^ {0,6}([a-z][a-z ]{0,19}):(?: (.*))?$/;
const CLASS_ROWS: Readonly<Record<string, keyof Omit<ZpoolConfig, 'pool'>>> = {
  logs: 'logs',
  log: 'logs',
  cache: 'cache',
  spares: 'spares',
  spare: 'spares',
  special: 'special',
  dedup: 'dedup',
};

const VDEV_STATES = new Set(['ONLINE', 'DEGRADED', 'FAULTED', 'OFFLINE', 'UNAVAIL', 'REMOVED', 'SUSPENDED', 'AVAIL', 'INUSE']);

function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === ' ') width += 1;
    else if (ch === '\t') width = (Math.floor(width / 8) + 1) * 8;
    else break;
  }
  return width;
}

function vdevRow(line: string, lineNo: number): ZpoolVdev {
  const tokens: Array<{ text: string; at: number }> = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) tokens.push({ text: m[0], at: m.index });
  const name = tokens[0]?.text ?? '';
  const state = tokens[1]?.text ?? null;
  if (state !== null && !VDEV_STATES.has(state)) {
    throw parseError(ZPOOL_STATUS_PARSER, `line ${lineNo}: vdev state is not a state: ${JSON.stringify(state)}`, line);
  }
  const counts = tokens.slice(2, 5).map((t) => zfsCount(t.text));
  const hasCounts = counts.length === 3 && counts.every((c) => c !== undefined);
  const noteAt = tokens[hasCounts ? 5 : 2]?.at;
  const note = noteAt === undefined ? null : line.slice(noteAt).trim();
  return {
    name,
    state,
    readErrors: hasCounts ? counts[0] ?? null : null,
    writeErrors: hasCounts ? counts[1] ?? null : null,
    checksumErrors: hasCounts ? counts[2] ?? null : null,
    note,
    resilvering: note !== null && /\bresilvering\b/.test(note),
    children: [],
  };
}

function parseConfig(lines: ReadonlyArray<{ text: string; no: number }>): ZpoolConfig {
  const config: ZpoolConfig = { pool: null, logs: [], cache: [], spares: [], special: [], dedup: [] };
  const headerIdx = lines.findIndex((l) => /^\s*NAME\s+STATE\b/.test(l.text));
  if (headerIdx < 0) {
    const first = lines.find((l) => l.text.trim() !== '');
    if (!first) return config;
    throw parseError(ZPOOL_STATUS_PARSER, `line ${first.no}: config table has no NAME/STATE header`, first.text);
  }
  const baseIndent = indentWidth(lines[headerIdx]?.text ?? '');
  let target: ZpoolVdev[] | null = null;
  const stack: Array<{ indent: number; node: ZpoolVdev }> = [];
  for (const { text, no } of lines.slice(headerIdx + 1)) {
    if (text.trim() === '') {
      if (config.pool !== null || target !== null) break;
      continue;
    }
    const indent = indentWidth(text);
    const row = vdevRow(text, no);
    if (indent <= baseIndent) {
      const cls = row.state === null ? CLASS_ROWS[row.name] : undefined;
      stack.length = 0;
      if (cls !== undefined) {
        target = config[cls];
        continue;
      }
      if (config.pool !== null) throw parseError(ZPOOL_STATUS_PARSER, `line ${no}: second root row in config`, text);
      config.pool = row;
      target = row.children;
      stack.push({ indent, node: row });
      continue;
    }
    if (target === null) throw parseError(ZPOOL_STATUS_PARSER, `line ${no}: vdev row before the pool row`, text);
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    (parent ? parent.node.children : target).push(row);
    stack.push({ indent, node: row });
  }
  return config;
}

function parseErrors(lines: readonly string[]): ZpoolDataErrors {
  const text = (lines[0] ?? '').trim();
  const files = /Permanent errors/i.test(text) ? lines.slice(1).map((l) => l.trim()).filter((l) => l !== '') : [];
  let count: number | null = null;
  let m: RegExpExecArray | null;
  if (/^No known data errors/i.test(text)) count = 0;
  else if ((m = /^([0-9]+) data errors?/.exec(text))) count = Number(m[1]);
  else if (files.length > 0) count = files.length;
  return { text, count, files };
}

interface PoolBlock {
  fields: Map<string, string[]>;
  config: Array<{ text: string; no: number }>;
  startLine: number;
}

/**
 * `zpool status` (optionally -v): every pool with its state, status/action
 * text, scan, config tree and data errors. Empty input or "no pools
 * available" = no pools.
 */
export function parseZpoolStatus(text: string): ZpoolStatus[] {
  const p = ZPOOL_STATUS_PARSER;
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const blocks: PoolBlock[] = [];
  let block: PoolBlock | null = null;
  let key: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = FIELD_RE.exec(line);
    // Inside the config table only `errors:` or a new `pool:` ends it.
    if (m && !(key === 'config' && m[1] !== 'errors' && m[1] !== 'pool')) {
      const k = m[1] ?? '';
      if (k === 'pool') {
        block = { fields: new Map(), config: [], startLine: i + 1 };
        blocks.push(block);
      } else if (!block) {
        throw parseError(p, `line ${i + 1}: ${k}: before any pool:`, line);
      }
      key = k;
      block.fields.set(k, [m[2] ?? '']);
      continue;
    }
    if (!block || key === null) {
      if (line.trim() === '' || /^no pools available\s*$/.test(line.trim())) continue;
      throw parseError(p, `line ${i + 1}: not zpool status output`, line);
    }
    if (key === 'config') {
      block.config.push({ text: line, no: i + 1 });
      continue;
    }
    const values = block.fields.get(key);
    if (key === 'errors') {
      values?.push(line);
      continue;
    }
    if (line.trim() === '') continue;
    // Continuation of status/action/scan text: indented further than the key.
    if (!/^\s/.test(line)) throw parseError(p, `line ${i + 1}: unexpected line after ${key}:`, line);
    values?.push(line.trim());
  }
  return blocks.map((b) => {
    const one = (k: string): string | null => {
      const v = b.fields.get(k);
      return v === undefined ? null : v.map((s) => s.trim()).join(' ').trim();
    };
    const name = one('pool');
    const state = one('state');
    if (!name) throw parseError(p, `line ${b.startLine}: pool without a name`, lines[b.startLine - 1] ?? '');
    if (!state || !VDEV_STATES.has(state)) {
      throw parseError(p, `pool ${name} (line ${b.startLine}) has no valid state:`, lines.slice(b.startLine - 1, b.startLine + 2).join('\n'));
    }
    const errLines = b.fields.get('errors');
    // zpool prints "errors:" for every pool whose config it could read; without it the output was cut short.
    if (errLines === undefined && !/cannot be determined/.test(one('config') ?? '')) {
      throw parseError(p, `pool ${name} (line ${b.startLine}) has no errors: line (output cut short?)`, lines.slice(b.startLine - 1).join('\n'));
    }
    const scanLines = b.fields.get('scan') ?? b.fields.get('scrub');
    return {
      name,
      id: one('id'),
      state,
      status: one('status'),
      action: one('action'),
      see: one('see'),
      scan: scanLines === undefined ? null : parseZpoolScan(scanLines),
      config: parseConfig(b.config),
      errors: errLines === undefined ? null : parseErrors(errLines),
    };
  });
}
