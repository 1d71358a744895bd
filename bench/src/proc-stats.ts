/** CPU time and memory of another process, from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // pid (comm) state ppid ... — comm may contain spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of `pid` in seconds (its own, not its children's). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // After the comm: [0] state, ..., [11] utime, [12] stime (fields 14 and 15 of stat).
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * CPU seconds of a process tree: each pid's own time plus what its reaped
 * children used (cutime + cstime). Processes that exited unreaped between
 * two readings are missed, so this is a lower bound.
 */
export function treeCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = statFields(pid);
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / clockTicks();
}

/** VmRSS and VmHWM (peak) of `pid` in bytes. */
export function memory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}
