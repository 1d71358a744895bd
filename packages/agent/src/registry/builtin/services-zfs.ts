/**
 * zfs_pools (zpool list -Hp joined with zpool status by pool name) and
 * zfs_datasets (zfs list -Hp). A host without the ZFS tools, or with the
 * tools but no ZFS kernel module, gives `available: false` with the reason
 * (a homelab host without ZFS is not an error); a zpool/zfs that is there
 * and fails otherwise is EXEC_NONZERO_EXIT.
 */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections, type Section } from '../../parse/sections.js';
import { parseZpoolList, type ZpoolListEntry } from '../../parse/zpool-list.js';
import { parseZpoolStatus, type ZpoolStatus } from '../../parse/zpool-status.js';
import { parseZfsList, type ZfsDataset } from '../../parse/zfs-list.js';
import { SECOND_MS, MINUTE_MS, ifToolInstalledScript, section, toolFailed, toolInstalled, type Availability } from './services-support.js';

export interface ZfsPool extends ZpoolListEntry {
  /** From `zpool status`; null if the pool was not in its output (created or exported in between). */
  status: Omit<ZpoolStatus, 'name'> | null;
}

export interface ZfsPoolsResult extends Availability {
  pools: ZfsPool[];
}

export interface ZfsDatasetsResult extends Availability {
  datasets: ZfsDataset[];
}

/** libzfs cannot talk to the kernel: the tools are installed but ZFS is not loaded. */
const NO_MODULE_RE = /modules are not loaded|Failed to initialize the libzfs library|\/dev\/zfs/i;

function notInstalledReason(tool: string): string {
  return `${tool} is not installed (no ZFS on this host)`;
}

/**
 * Null when every section succeeded; the reason when one failed because the
 * ZFS kernel module is not loaded (available: false); EXEC_NONZERO_EXIT for
 * any other failure.
 */
function moduleMissingReason(command: string, tool: string, sections: readonly Section[], stderr: string): string | null {
  for (const s of sections) {
    if (s.exitCode === 0) continue;
    if (NO_MODULE_RE.test(stderr)) return `${tool} is installed but the ZFS kernel module is not loaded`;
    throw toolFailed(command, s, stderr);
  }
  return null;
}

export const zfsPoolsCommand: CommandSpec = {
  name: 'zfs_pools',
  description: 'ZFS pools: size, allocation, fragmentation, health, scrub/resilver state and the vdev tree with error counters.',
  params: {},
  defaults: {
    // Every 10 minutes, matching the TTL; pool health changes rarely and scrubs take hours.
    schedule: '*/10 * * * *',
    ttlMs: 10 * MINUTE_MS,
    timeoutMs: 30 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(_params, ctx) {
    return ifToolInstalledScript(ctx.nonce, 'zpool', [
      sectionScript(ctx.nonce, 'list', 'zpool list -Hp'),
      sectionScript(ctx.nonce, 'status', 'zpool status'),
    ]);
  },
  parse({ stdout, stderr }): ZfsPoolsResult {
    const sections = splitSections('zfs_pools', stdout);
    if (!toolInstalled('zfs_pools', sections, 'zpool')) {
      return { available: false, reason: notInstalledReason('zpool'), pools: [] };
    }
    const list = section('zfs_pools', sections, 'list');
    const status = section('zfs_pools', sections, 'status');
    const reason = moduleMissingReason('zfs_pools', 'zpool', [list, status], stderr);
    if (reason !== null) return { available: false, reason, pools: [] };
    const statusByName = new Map(parseZpoolStatus(status.text).map((p) => [p.name, p]));
    const pools = parseZpoolList(list.text).map((entry): ZfsPool => {
      const st = statusByName.get(entry.name);
      if (!st) return { ...entry, status: null };
      const { name: _name, ...rest } = st;
      return { ...entry, status: rest };
    });
    return { available: true, reason: null, pools };
  },
};

export const zfsDatasetsCommand: CommandSpec = {
  name: 'zfs_datasets',
  description: 'ZFS filesystems and volumes: used, available and referenced bytes, mountpoint.',
  params: {},
  defaults: {
    // Every 10 minutes at :02, :12, ... so it does not start together with zfs_pools.
    schedule: '2-59/10 * * * *',
    ttlMs: 10 * MINUTE_MS,
    timeoutMs: 30 * SECOND_MS,
    retries: 1,
    enabled: true,
  },
  script(_params, ctx) {
    return ifToolInstalledScript(ctx.nonce, 'zfs', [
      sectionScript(ctx.nonce, 'list', 'zfs list -Hp -o name,used,avail,refer,mountpoint -t filesystem,volume'),
    ]);
  },
  parse({ stdout, stderr }): ZfsDatasetsResult {
    const sections = splitSections('zfs_datasets', stdout);
    if (!toolInstalled('zfs_datasets', sections, 'zfs')) {
      return { available: false, reason: notInstalledReason('zfs'), datasets: [] };
    }
    const list = section('zfs_datasets', sections, 'list');
    const reason = moduleMissingReason('zfs_datasets', 'zfs', [list], stderr);
    if (reason !== null) return { available: false, reason, datasets: [] };
    return { available: true, reason: null, datasets: parseZfsList(list.text) };
  },
};
