/** load_average and uptime: one /proc file each, cheap enough to read on demand. */
import type { CommandSpec } from '../command-spec.js';
import { parseProcLoadavg } from '../../parse/proc-loadavg.js';
import { parseProcUptime } from '../../parse/proc-uptime.js';
import { SECOND_MS } from './system-sections.js';

export const loadAverageCommand: CommandSpec = {
  name: 'load_average',
  description: 'Load average over 1, 5 and 15 minutes, runnable/total tasks (/proc/loadavg)',
  params: {},
  // Every minute (the shortest 1-minute average worth keeping); reads within
  // the 30 s TTL are served from cache.
  defaults: { schedule: '* * * * *', ttlMs: 30 * SECOND_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script: () => 'cat /proc/loadavg',
  parse: ({ stdout }) => parseProcLoadavg(stdout),
};

export const uptimeCommand: CommandSpec = {
  name: 'uptime',
  description: 'Seconds since boot and summed CPU idle seconds (/proc/uptime)',
  params: {},
  // Every 5 minutes: uptime only matters for spotting reboots.
  defaults: { schedule: '*/5 * * * *', ttlMs: 30 * SECOND_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script: () => 'cat /proc/uptime',
  parse: ({ stdout }) => parseProcUptime(stdout),
};

