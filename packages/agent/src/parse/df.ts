/**
 * `df -P` output (POSIX format: one line per filesystem). The block size is
 * read from the header ("1-blocks" for -B1, "1024-blocks", "1K-blocks",
 * "512-blocks", "1kB-blocks"...), so `df -P -B1` and plain `df -P` both give
 * bytes. An optional Type column (`df -PT`) is kept. Mount points may hold
 * spaces; human-readable sizes (`df -h`) cannot be read exactly and fail.
 * Lines that an old non-POSIX df wrapped after a long device name are joined.
 */
import { parseError } from './parse-error.js';
import { readUint, textLines } from './text-lines.js';

const PARSER = 'df';

export interface DfFilesystem {
  filesystem: string;
  /** Only with `df -T`. */
  type: string | null;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** df's own Capacity/Use% column; null where df prints "-" (e.g. proc with -a). */
  usedPercent: number | null;
  mount: string;
}

export interface DfResult {
  /** The block size the sizes were printed in (1 for -B1). */
  blockSizeBytes: number;
  filesystems: DfFilesystem[];
}

const HEADER_RE = /^Filesystem\s+(?:(Type)\s+)?(\S+)\s+(\S+)\s+(?:Available|Avail)\s+(?:Capacity|Use%)\s+Mounted on\s*$/;
const BLOCKS_RE = /^(\d+)(?:([kKMGTPE])(iB|B)?|B)?-blocks$/;
const UNIT_POWER: Readonly<Record<string, number>> = { k: 1, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

function blockSize(header: string, token: string): number {
  if (token === 'Size') throw parseError(PARSER, 'human-readable sizes (df -h) cannot be read exactly; use df -P', header);
  const m = BLOCKS_RE.exec(token);
  const count = readUint(m?.[1]);
  if (!m || count === undefined || count === 0) throw parseError(PARSER, `unknown block size column ${JSON.stringify(token)}`, header);
  const unit = m[2];
  if (unit === undefined) return count;
  const base = m[3] === 'B' ? 1000 : 1024;
  return count * base ** (UNIT_POWER[unit] ?? 0);
}

function lineRe(withType: boolean): RegExp {
  const type = withType ? '(\\S+)\\s+' : '()';
  return new RegExp(`^(\\S.*?)\\s+${type}(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+%|-)\\s+(\\S.*)$`);
}

function toBytes(line: string, token: string | undefined, unit: number): number {
  const n = readUint(token);
  const bytes = n === undefined ? undefined : n * unit;
  if (bytes === undefined || !Number.isSafeInteger(bytes)) throw parseError(PARSER, 'size is not a block count', line);
  return bytes;
}

export function parseDf(text: string): DfResult {
  const lines = textLines(text).filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) throw parseError(PARSER, 'empty output, expected a df header', text);
  if (/^Filesystem\s+(?:Type\s+)?Inodes\s/.test(header)) throw parseError(PARSER, 'this is an inode listing (df -i), not sizes', header);
  const h = HEADER_RE.exec(header);
  if (!h) throw parseError(PARSER, 'first line is not a df header', header);
  if (h[3] !== 'Used') throw parseError(PARSER, 'unexpected header columns', header);
  const unit = blockSize(header, h[2] ?? '');
  const re = lineRe(h[1] === 'Type');

  const filesystems: DfFilesystem[] = [];
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i] ?? '';
    let m = re.exec(line);
    const next = lines[i + 1];
    if (!m && !/\s/.test(line.trim()) && next !== undefined && /^\s/.test(next)) {
      // A wrapped entry: the device name alone, the numbers on the next line.
      line = `${line.trim()} ${next.trim()}`;
      m = re.exec(line);
      if (m) i++;
    }
    if (!m) throw parseError(PARSER, 'line is not "filesystem blocks used available capacity mount"', line);
    const pct = m[6] ?? '-';
    filesystems.push({
      filesystem: m[1] ?? '',
      type: m[2] === '' || m[2] === undefined ? null : m[2],
      sizeBytes: toBytes(line, m[3], unit),
      usedBytes: toBytes(line, m[4], unit),
      availableBytes: toBytes(line, m[5], unit),
      usedPercent: pct === '-' ? null : Number(pct.slice(0, -1)),
      mount: m[7] ?? '',
    });
  }
  return { blockSizeBytes: unit, filesystems };
}
