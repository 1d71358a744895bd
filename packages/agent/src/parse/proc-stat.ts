/**
 * /proc/stat: CPU time counters (in USER_HZ ticks, usually 1/100 s), for
 * all CPUs together ("cpu") and each one ("cpu0", ...), plus the process
 * counters. Kernels before 2.6.11 print fewer than ten columns; the missing
 * ones are counters that did not exist yet and read as 0.
 */
import { parseError } from './parse-error.js';
import { readUint, round2, textLines } from './text-lines.js';

const PARSER = 'proc-stat';

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** Already included in user (the kernel adds guest time to both). */
  guest: number;
  /** Already included in nice. */
  guestNice: number;
}

export interface CpuLine {
  /** "cpu0", "cpu1", ... */
  name: string;
  index: number;
  times: CpuTimes;
}

export interface ProcStat {
  /** The aggregate "cpu" line. */
  cpu: CpuTimes;
  cpus: CpuLine[];
  /** Processes forked since boot ("processes"). */
  processesForked: number | null;
  procsRunning: number | null;
  procsBlocked: number | null;
  bootTimeSeconds: number | null;
  contextSwitches: number | null;
}

const FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;
/** user nice system idle: present on every kernel. */
const MIN_FIELDS = 4;

function readCpuTimes(line: string, tokens: string[]): CpuTimes {
  const values = tokens.slice(1);
  if (values.length < MIN_FIELDS) throw parseError(PARSER, `cpu line has ${values.length} columns, expected at least ${MIN_FIELDS}`, line);
  const times: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
  FIELDS.forEach((field, i) => {
    const token = values[i];
    if (token === undefined) return;
    const n = readUint(token);
    if (n === undefined) throw parseError(PARSER, `cpu column ${field} is not a counter`, line);
    times[field] = n;
  });
  return times;
}

type ScalarField = 'processesForked' | 'procsRunning' | 'procsBlocked' | 'bootTimeSeconds' | 'contextSwitches';
const SCALARS: ReadonlyMap<string, ScalarField> = new Map([
  ['processes', 'processesForked'],
  ['procs_running', 'procsRunning'],
  ['procs_blocked', 'procsBlocked'],
  ['btime', 'bootTimeSeconds'],
  ['ctxt', 'contextSwitches'],
]);

export function parseProcStat(text: string): ProcStat {
  let cpu: CpuTimes | undefined;
  const cpus: CpuLine[] = [];
  const scalars: Record<ScalarField, number | null> = {
    processesForked: null,
    procsRunning: null,
    procsBlocked: null,
    bootTimeSeconds: null,
    contextSwitches: null,
  };
  for (const line of textLines(text)) {
    const tokens = line.trim().split(/\s+/);
    const key = tokens[0] ?? '';
    if (key === '') continue;
    if (key === 'cpu') {
      if (cpu) throw parseError(PARSER, 'two aggregate cpu lines', text);
      cpu = readCpuTimes(line, tokens);
    } else if (/^cpu\d+$/.test(key)) {
      cpus.push({ name: key, index: Number(key.slice(3)), times: readCpuTimes(line, tokens) });
    } else if (SCALARS.has(key)) {
      const field = SCALARS.get(key);
      const n = tokens.length === 2 ? readUint(tokens[1]) : undefined;
      if (n === undefined || field === undefined) throw parseError(PARSER, `${key} is not a single counter`, line);
      scalars[field] = n;
    } else if (!/^[a-z_]+$/.test(key)) {
      // intr, softirq, page, swap... are skipped; anything not shaped like a key is not /proc/stat.
      throw parseError(PARSER, 'unexpected line', line);
    }
  }
  if (!cpu) throw parseError(PARSER, 'no aggregate "cpu" line', text);
  return { cpu, cpus, ...scalars };
}

/** All ticks, without guest/guestNice (they are already inside user/nice). */
export function cpuTotalTicks(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}

/**
 * Busy share of the time between two samples, in percent (0..100, two
 * decimals): busy = total − idle − iowait. Null when no tick passed between
 * the samples or the counters went backwards (reboot, CPU hot-unplug).
 */
export function cpuPercent(prev: CpuTimes, next: CpuTimes): number | null {
  const totalDelta = cpuTotalTicks(next) - cpuTotalTicks(prev);
  if (!(totalDelta > 0)) return null;
  const idleDelta = next.idle + next.iowait - (prev.idle + prev.iowait);
  // iowait may step backwards on some kernels; keep the share within 0..100.
  const busy = Math.min(Math.max(totalDelta - idleDelta, 0), totalDelta);
  return round2((busy / totalDelta) * 100);
}
