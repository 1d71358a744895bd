import { parseError } from './parse-error.js';
import { splitColumns, zfsDecimal, zfsInteger } from './zfs-values.js';

export const ZPOOL_LIST_PARSER = 'zpool-list';

export interface ZpoolListVdev {
  name: string;
  /** 1 = top-level vdev under the pool or class, 2 = its member disks, ... */
  depth: number;
  /** Allocation class the vdev belongs to. */
  class: 'data' | 'logs' | 'cache' | 'spare' | 'special' | 'dedup';
  sizeBytes: number | null;
  allocBytes: number | null;
  freeBytes: number | null;
  fragmentationPercent: number | null;
  capacityPercent: number | null;
  health: string | null;
}

export interface ZpoolListEntry {
  name: string;
  sizeBytes: number | null;
  allocBytes: number | null;
  freeBytes: number | null;
  checkpointBytes: number | null;
  expandSizeBytes: number | null;
  fragmentationPercent: number | null;
  capacityPercent: number | null;
  dedupRatio: number | null;
  health: string;
  altroot: string | null;
  /** Only with `zpool list -v`. */
  vdevs: ZpoolListVdev[];
}

const WITH_CKPOINT = ['name', 'size', 'alloc', 'free', 'ckpoint', 'expandsz', 'frag', 'cap', 'dedup', 'health', 'altroot'];
const CLASS_NAMES = new Set(['logs', 'cache', 'spare', 'spares', 'special', 'dedup']);

type Columns = Record<string, string | undefined>;

function classOf(name: string): ZpoolListVdev['class'] {
  if (name === 'spares') return 'spare';
  if (name === 'logs' || name === 'cache' || name === 'spare' || name === 'special' || name === 'dedup') return name;
  return 'data';
}

/**
 * `zpool list -Hp` (tab-separated, exact bytes: name size alloc free ckpoint
 * expandsz frag cap dedup health altroot; releases before checkpoints lack
 * ckpoint). Also reads the human table with its NAME header, and `-v` vdev
 * rows (indented) into each pool's `vdevs`. `-` values become null.
 * "no pools available" or empty input = no pools.
 */
export function parseZpoolList(text: string): ZpoolListEntry[] {
  const p = ZPOOL_LIST_PARSER;
  const pools: ZpoolListEntry[] = [];
  let header: string[] | null = null;
  // Column layout of the pool rows; vdev rows (-v) use the same one.
  let layout: string[] | null = null;
  let vdevClass: ZpoolListVdev['class'] = 'data';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    if (/^no pools available\s*$/.test(raw.trim())) continue;
    const cols = splitColumns(raw.trimStart());
    if (cols[0] === 'NAME' && header === null && pools.length === 0) {
      header = cols.map((c) => c.toLowerCase());
      continue;
    }
    const indented = /^\s/.test(raw);
    const names: string[] =
      header ??
      (indented && layout !== null ? layout : cols.length >= 11 ? WITH_CKPOINT : WITH_CKPOINT.filter((c) => c !== 'ckpoint'));
    if (!indented) layout = names;
    const get: Columns = {};
    names.forEach((n, idx) => {
      get[n] = cols[idx];
    });
    const name = cols[0] ?? '';
    // Allocation class rows (`logs`, `cache`, ...) carry no values.
    if (pools.length > 0 && CLASS_NAMES.has(name) && cols.slice(1).every((c) => c === '-' || c === '')) {
      vdevClass = classOf(name);
      continue;
    }
    const num = (key: string, kind: 'int' | '%' | 'x'): number | null => {
      const v = get[key];
      if (v === undefined) return null;
      const n = kind === 'int' ? zfsInteger(v) : zfsDecimal(v, kind);
      if (n === undefined) throw parseError(p, `line ${i + 1}: ${key} is not a number: ${JSON.stringify(v)}`, raw);
      return n;
    };
    if (indented) {
      const pool = pools[pools.length - 1];
      if (!pool) throw parseError(p, `line ${i + 1}: vdev row before any pool`, raw);
      const indent = (/^[\t ]*/.exec(raw)?.[0] ?? '').replace(/\t/g, '  ').length;
      const health = get.health;
      pool.vdevs.push({
        name,
        depth: Math.max(1, Math.floor(indent / 2)),
        class: vdevClass,
        sizeBytes: num('size', 'int'),
        allocBytes: num('alloc', 'int'),
        freeBytes: num('free', 'int'),
        fragmentationPercent: num('frag', '%'),
        capacityPercent: num('cap', '%'),
        health: health === undefined || health === '-' ? null : health,
      });
      continue;
    }
    if (cols.length < 10) throw parseError(p, `line ${i + 1}: expected at least 10 columns, got ${cols.length}`, raw);
    const health = get.health;
    if (health === undefined || !/^[A-Z]+$/.test(health)) {
      throw parseError(p, `line ${i + 1}: health is not a pool state: ${JSON.stringify(health)}`, raw);
    }
    vdevClass = 'data';
    const altroot = get.altroot;
    pools.push({
      name,
      sizeBytes: num('size', 'int'),
      allocBytes: num('alloc', 'int'),
      freeBytes: num('free', 'int'),
      checkpointBytes: num('ckpoint', 'int'),
      expandSizeBytes: num('expandsz', 'int'),
      fragmentationPercent: num('frag', '%'),
      capacityPercent: num('cap', '%'),
      dedupRatio: num('dedup', 'x'),
      health,
      altroot: altroot === undefined || altroot === '-' ? null : altroot,
      vdevs: [],
    });
  }
  return pools;
}
