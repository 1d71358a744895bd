import { parseError } from './parse-error.js';
import { zfsInteger } from './zfs-values.js';

export const ZFS_LIST_PARSER = 'zfs-list';

export interface ZfsDataset {
  name: string;
  pool: string;
  usedBytes: number;
  availableBytes: number;
  referencedBytes: number;
  /** null for `-` (volumes); `none` and `legacy` are kept as they are. */
  mountpoint: string | null;
}

/**
 * `zfs list -Hp -o name,used,avail,refer,mountpoint` (tab-separated, exact
 * bytes). A NAME header and blank-separated columns are tolerated (the
 * mountpoint is then the rest of the line). Empty input or "no datasets
 * available" = no datasets.
 */
export function parseZfsList(text: string): ZfsDataset[] {
  const p = ZFS_LIST_PARSER;
  const out: ZfsDataset[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '' || /^no datasets available\s*$/.test(raw.trim())) continue;
    let cols: string[];
    if (raw.includes('\t')) {
      cols = raw.split('\t');
    } else {
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(raw.trim());
      cols = m ? m.slice(1) : [raw];
    }
    if (i === 0 && cols[0] === 'NAME') continue;
    if (cols.length !== 5) throw parseError(p, `line ${i + 1}: expected 5 columns, got ${cols.length}`, raw);
    const [name, used, avail, refer, mountpoint] = cols as [string, string, string, string, string];
    const num = (key: string, v: string): number => {
      const n = zfsInteger(v);
      if (n === undefined || n === null) throw parseError(p, `line ${i + 1}: ${key} is not a byte count: ${JSON.stringify(v)}`, raw);
      return n;
    };
    if (name === '' || name.trim() !== name) throw parseError(p, `line ${i + 1}: bad dataset name`, raw);
    out.push({
      name,
      pool: name.split('/')[0] ?? name,
      usedBytes: num('used', used),
      availableBytes: num('avail', avail),
      referencedBytes: num('refer', refer),
      mountpoint: mountpoint === '-' ? null : mountpoint,
    });
  }
  return out;
}
