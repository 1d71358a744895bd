/**
 * /proc/meminfo, every size in bytes. Kernels before 3.14 have no
 * MemAvailable: it is then estimated as MemFree + Buffers + Cached
 * (+ SReclaimable) and `availableEstimated` says so. Old 2.4-era and some
 * embedded kernels start with a "total: used: free: ..." table whose
 * "Mem:"/"Swap:" rows are in bytes; it is used when the "Key: value kB"
 * lines are missing and skipped otherwise.
 */
import { parseError } from './parse-error.js';
import { readUint, round2, textLines } from './text-lines.js';

const PARSER = 'proc-meminfo';
const KIB = 1024;

export interface MemInfo {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  /** True when MemAvailable was missing and availableBytes is an estimate. */
  availableEstimated: boolean;
  /** totalBytes − availableBytes. */
  usedBytes: number;
  usedPercent: number;
  buffersBytes: number | null;
  cachedBytes: number | null;
  swapTotalBytes: number | null;
  swapFreeBytes: number | null;
  /**
   * Every "Key: value" line: sizes ("kB") in bytes, plain counts
   * (HugePages_Total, ...) as they are.
   */
  fields: Record<string, number>;
}

const LINE_RE = /^([A-Za-z0-9_()]+):\s*(\d+)(?:\s+(kB))?\s*$/;
const LEGACY_HEADER_RE = /^\s*total:\s+used:\s+free:/;
const LEGACY_ROW_RE = /^(Mem|Swap):((?:\s+\d+)+)\s*$/;

export function parseProcMeminfo(text: string): MemInfo {
  const fields = new Map<string, number>();
  const legacy = new Map<string, number[]>();
  for (const line of textLines(text)) {
    if (line.trim() === '') continue;
    if (LEGACY_HEADER_RE.test(line)) continue;
    const row = LEGACY_ROW_RE.exec(line);
    if (row) {
      const nums = (row[2] ?? '').trim().split(/\s+/).map((t) => readUint(t));
      if (nums.some((n) => n === undefined)) throw parseError(PARSER, 'legacy row value too large', line);
      legacy.set(row[1] ?? '', nums.map((n) => n ?? 0));
      continue;
    }
    const m = LINE_RE.exec(line);
    if (!m) throw parseError(PARSER, 'line is not "Key: value [kB]"', line);
    const value = readUint(m[2]);
    const bytes = value === undefined ? undefined : m[3] === 'kB' ? value * KIB : value;
    if (bytes === undefined || !Number.isSafeInteger(bytes)) throw parseError(PARSER, 'value too large', line);
    fields.set(m[1] ?? '', bytes);
  }

  let total = fields.get('MemTotal');
  let free = fields.get('MemFree');
  let buffers = fields.get('Buffers');
  let cached = fields.get('Cached');
  let swapTotal = fields.get('SwapTotal');
  let swapFree = fields.get('SwapFree');
  const legacyMem = legacy.get('Mem');
  if (total === undefined && legacyMem) {
    // total used free shared buffers cached, in bytes
    [total, , free, , buffers, cached] = legacyMem;
    const legacySwap = legacy.get('Swap');
    if (legacySwap) [swapTotal, , swapFree] = legacySwap;
  }
  if (total === undefined) throw parseError(PARSER, 'no MemTotal line', text);
  if (free === undefined) throw parseError(PARSER, 'no MemFree line', text);
  if (total <= 0) throw parseError(PARSER, 'MemTotal is 0', text);

  const reported = fields.get('MemAvailable');
  const estimate = free + (buffers ?? 0) + (cached ?? 0) + (fields.get('SReclaimable') ?? 0);
  const available = Math.min(reported ?? estimate, total);
  const used = total - available;
  return {
    totalBytes: total,
    freeBytes: free,
    availableBytes: available,
    availableEstimated: reported === undefined,
    usedBytes: used,
    usedPercent: round2((used / total) * 100),
    buffersBytes: buffers ?? null,
    cachedBytes: cached ?? null,
    swapTotalBytes: swapTotal ?? null,
    swapFreeBytes: swapFree ?? null,
    fields: Object.fromEntries(fields),
  };
}
