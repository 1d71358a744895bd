/**
 * disk_usage: `df -P -B1` (exact bytes); where df has no -B (busybox,
 * BSD), plain `df -P`, whose header gives the block size. df exits 1 when
 * one mount cannot be read (stale NFS, permission) but still lists the
 * others: that result is kept, marked partial, with df's complaints.
 */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import { parseDf, type DfFilesystem } from '../../parse/df.js';
import { MINUTE_MS, SECOND_MS, stderrWarnings } from './system-sections.js';

const NAME = 'disk_usage';

export interface DiskUsage {
  filesystems: DfFilesystem[];
  /** df exited non-zero: some mounts may be missing (see warnings). */
  partial: boolean;
  warnings: string[];
}

export const diskUsageCommand: CommandSpec = {
  name: NAME,
  description: 'Size, used and available bytes of every mounted filesystem (df -P)',
  params: {},
  // Every 5 minutes, matching the TTL: disks rarely fill faster than that.
  defaults: { schedule: '*/5 * * * *', ttlMs: 5 * MINUTE_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script(_params, ctx) {
    return sectionScript(ctx.nonce, 'df', 'if df -P -B1 / >/dev/null 2>&1; then df -P -B1; else df -P; fi');
  },
  parse({ stdout, stderr }): DiskUsage {
    const sections = splitSections(NAME, stdout);
    const df = sections.find((s) => s.name === 'df');
    if (!df) throw parseError(NAME, 'missing section df', stdout);
    if (df.exitCode === 127) throw parseError(NAME, 'df is not installed on the host', df.text);
    const result = parseDf(df.text);
    return { filesystems: result.filesystems, partial: df.exitCode !== 0, warnings: stderrWarnings(stderr) };
  },
};
