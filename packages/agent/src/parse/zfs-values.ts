/**
 * Column values of the ZFS tools. `-` means "no value" (a FAULTED pool has no
 * size, a volume has no mountpoint). Parsable (-p) output prints exact
 * integers; human output suffixes %, x and K/M/G... (base 1024).
 */

/** A column split: tabs when present (-H output), else runs of blanks. */
export function splitColumns(line: string): string[] {
  return line.includes('\t') ? line.split('\t').map((s) => s.trim()) : line.trim().split(/\s+/);
}

/** Exact integer, or null for `-`; undefined when unreadable. */
export function zfsInteger(text: string): number | null | undefined {
  if (text === '-') return null;
  if (!/^[0-9]+$/.test(text)) return undefined;
  return Number(text);
}

/** `33`, `33%`, `1.00`, `1.00x` → number; `-` → null; undefined when unreadable. */
export function zfsDecimal(text: string, suffix: '%' | 'x'): number | null | undefined {
  if (text === '-') return null;
  const t = text.endsWith(suffix) ? text.slice(0, -1) : text;
  if (!/^[0-9]+(?:\.[0-9]+)?$/.test(t)) return undefined;
  return Number(t);
}

const NICE: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

/**
 * An error counter from `zpool status`: `0`, `12`, `1.2K` (zfs_nicenum, base
 * 1024, so approximate once a suffix appears). undefined when unreadable.
 */
export function zfsCount(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([KMGTPE]?)$/.exec(text);
  if (!m) return undefined;
  const factor = NICE[m[2] ?? ''];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}
