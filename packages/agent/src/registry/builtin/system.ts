/**
 * The built-in host-state commands. Schedules (node-cron, 5 fields) are
 * chosen per command, with the period no longer than the TTL where the data
 * moves (so a scheduled result is always fresh) and off the top of the hour
 * for the hourly ones (so hosts do not all run them at :00):
 *   system_metrics      every minute     ttl 5 min  (live dashboard)
 *   load_average        every minute     ttl 30 s   (on-demand reads)
 *   network_interfaces  every 2 minutes  ttl 2 min
 *   disk_usage          every 5 minutes  ttl 5 min
 *   uptime              every 5 minutes  ttl 30 s
 *   drive_health        hourly at :17    ttl 1 h    (60 s timeout)
 *   kernel_info         hourly at :07    ttl 1 h
 * Read-only /proc and tool reads retry twice; drive_health once.
 */
import type { CommandSpec } from '../command-spec.js';
import { systemMetricsCommand } from './system-metrics.js';
import { diskUsageCommand } from './system-disk-usage.js';
import { driveHealthCommand } from './system-drive-health.js';
import { networkInterfacesCommand } from './system-network.js';
import { loadAverageCommand, uptimeCommand } from './system-proc.js';
import { kernelInfoCommand } from './system-kernel-info.js';

export const systemCommands: readonly CommandSpec[] = [
  systemMetricsCommand,
  diskUsageCommand,
  driveHealthCommand,
  networkInterfacesCommand,
  loadAverageCommand,
  uptimeCommand,
  kernelInfoCommand,
];
