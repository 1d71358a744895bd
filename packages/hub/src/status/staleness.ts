/**
 * Staleness rules (pure):
 * - a host/command an agent announced in hello.jobs is stale when
 *   now − lastCollectedAtMs > 2 × intervalMs + staleGraceMs. Without any
 *   result yet, the time the job was announced (the hello) counts instead.
 *   Jobs with intervalMs 0 (no regular schedule) are never stale.
 * - an agent is stale when it has been disconnected for longer than
 *   2 × (its shortest job interval) + staleGraceMs (just staleGraceMs
 *   when it announced no jobs).
 */
import { compareText, type ScheduledJobInfo } from '@infrastructor/shared';

export interface StaleJob {
  host: string;
  command: string;
  intervalMs: number;
  /** null: no result received yet. */
  lastCollectedAtMs: number | null;
}

export function staleThresholdMs(intervalMs: number, graceMs: number): number {
  return 2 * intervalMs + graceMs;
}

export function staleJobs(input: {
  jobs: readonly ScheduledJobInfo[];
  lastCollectedAtMs: (host: string, command: string) => number | null;
  announcedAtMs: number;
  nowMs: number;
  graceMs: number;
}): StaleJob[] {
  const out: StaleJob[] = [];
  for (const job of input.jobs) {
    if (job.intervalMs <= 0) continue;
    const last = input.lastCollectedAtMs(job.host, job.command);
    if (input.nowMs - (last ?? input.announcedAtMs) > staleThresholdMs(job.intervalMs, input.graceMs)) {
      out.push({ host: job.host, command: job.command, intervalMs: job.intervalMs, lastCollectedAtMs: last });
    }
  }
  return out.sort((a, b) => compareText(a.host, b.host) || compareText(a.command, b.command));
}

export function agentIsStale(input: { connected: boolean; lastSeenMs: number; jobs: readonly ScheduledJobInfo[]; nowMs: number; graceMs: number }): boolean {
  if (input.connected) return false;
  const intervals = input.jobs.map((j) => j.intervalMs).filter((ms) => ms > 0);
  const shortest = intervals.length === 0 ? 0 : Math.min(...intervals);
  return input.nowMs - input.lastSeenMs > staleThresholdMs(shortest, input.graceMs);
}

/** A comparable key of a stale set (to publish only when it changes). */
export function staleKey(jobs: readonly StaleJob[], agentStale: boolean): string {
  return `${agentStale ? '1' : '0'}|${jobs.map((j) => `${j.host}/${j.command}`).join(',')}`;
}
