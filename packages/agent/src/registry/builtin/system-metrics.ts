/**
 * system_metrics: CPU busy share over a short window, memory, load,
 * uptime and process count, in one round trip.
 *
 * CPU needs two /proc/stat samples; the script sleeps `sampleMs` between
 * them. GNU and busybox `sleep` take fractions; where one does not, the
 * script sleeps 1 s instead. The percentage comes from tick deltas, so the
 * real length of the pause does not matter.
 */
import type { CommandSpec } from '../command-spec.js';
import { sectionScript, splitSections } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import { cpuPercent, parseProcStat } from '../../parse/proc-stat.js';
import { parseProcMeminfo } from '../../parse/proc-meminfo.js';
import { parseProcLoadavg } from '../../parse/proc-loadavg.js';
import { parseProcUptime } from '../../parse/proc-uptime.js';
import { readUint } from '../../parse/text-lines.js';
import { shellQuote } from '../shell-quote.js';
import { integerParam, MINUTE_MS, okSectionText, SECOND_MS } from './system-sections.js';

const NAME = 'system_metrics';
const DEFAULT_SAMPLE_MS = 250;

export interface SystemMetrics {
  /** Busy share of all CPUs over the sample window; null if no tick passed. */
  cpuPercent: number | null;
  cpuCount: number;
  perCpuPercent: Array<{ cpu: string; percent: number | null }>;
  memory: {
    totalBytes: number;
    availableBytes: number;
    usedBytes: number;
    usedPercent: number;
    availableEstimated: boolean;
    swapTotalBytes: number | null;
    swapUsedBytes: number | null;
  };
  load: { load1: number; load5: number; load15: number };
  uptimeSeconds: number;
  /** Entries in /proc/<pid> (processes, not threads). */
  processCount: number;
  runningProcesses: number;
}

export const systemMetricsCommand: CommandSpec = {
  name: NAME,
  description: 'CPU busy %, memory, load average, uptime and process count from /proc',
  params: {
    sampleMs: {
      type: 'integer',
      min: 50,
      max: 5000,
      default: DEFAULT_SAMPLE_MS,
      description: 'Pause between the two /proc/stat samples the CPU percentage is computed from',
    },
  },
  // Every minute: enough points for a live dashboard graph, and the whole
  // script costs a few cat calls and one short sleep.
  defaults: { schedule: '* * * * *', ttlMs: 5 * MINUTE_MS, timeoutMs: 10 * SECOND_MS, retries: 2, enabled: true },
  script(params, ctx) {
    const seconds = (integerParam(params, 'sampleMs', DEFAULT_SAMPLE_MS) / 1000).toFixed(3);
    return [
      sectionScript(ctx.nonce, 'stat1', 'cat /proc/stat'),
      `sleep ${shellQuote(seconds)} 2>/dev/null || sleep 1`,
      sectionScript(ctx.nonce, 'stat2', 'cat /proc/stat'),
      sectionScript(ctx.nonce, 'meminfo', 'cat /proc/meminfo'),
      sectionScript(ctx.nonce, 'loadavg', 'cat /proc/loadavg'),
      sectionScript(ctx.nonce, 'uptime', 'cat /proc/uptime'),
      sectionScript(ctx.nonce, 'pids', 'set -- /proc/[0-9]*; echo "$#"'),
    ].join('\n');
  },
  parse({ stdout }): SystemMetrics {
    const sections = splitSections(NAME, stdout);
    const text = (name: string): string => okSectionText(NAME, sections, name);
    const first = parseProcStat(text('stat1'));
    const second = parseProcStat(text('stat2'));
    const mem = parseProcMeminfo(text('meminfo'));
    const load = parseProcLoadavg(text('loadavg'));
    const up = parseProcUptime(text('uptime'));
    const pidsText = text('pids');
    const processCount = readUint(pidsText.trim());
    if (processCount === undefined) throw parseError(NAME, 'process count is not a number', pidsText);

    const perCpuPercent = second.cpus.map((c) => {
      const before = first.cpus.find((p) => p.name === c.name);
      return { cpu: c.name, percent: before ? cpuPercent(before.times, c.times) : null };
    });
    return {
      cpuPercent: cpuPercent(first.cpu, second.cpu),
      cpuCount: second.cpus.length,
      perCpuPercent,
      memory: {
        totalBytes: mem.totalBytes,
        availableBytes: mem.availableBytes,
        usedBytes: mem.usedBytes,
        usedPercent: mem.usedPercent,
        availableEstimated: mem.availableEstimated,
        swapTotalBytes: mem.swapTotalBytes,
        swapUsedBytes:
          mem.swapTotalBytes !== null && mem.swapFreeBytes !== null ? mem.swapTotalBytes - mem.swapFreeBytes : null,
      },
      load: { load1: load.load1, load5: load.load5, load15: load.load15 },
      uptimeSeconds: up.uptimeSeconds,
      processCount,
      runningProcesses: second.procsRunning ?? load.runningTasks,
    };
  },
};
