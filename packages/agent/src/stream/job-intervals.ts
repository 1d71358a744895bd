/**
 * The expected time between runs of a cron schedule, for the hub (hello
 * `jobs[].intervalMs`: it judges a result stale from it). The LONGEST gap
 * among the next runs is used, so a weekday-only job is not called stale
 * over the weekend.
 */
import { createTask } from 'node-cron';
import type { ScheduledJobInfo } from '@infrastructor/shared';

const RUNS_SAMPLED = 12;

/** The longest gap between the next runs of `expression` (a valid node-cron expression), in ms. */
export function cronIntervalMs(expression: string): number {
  const task = createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(RUNS_SAMPLED).map((d) => d.getTime());
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
    return longest;
  } finally {
    // createTask registers the task in node-cron's task list; it never runs (not started).
    void task.destroy();
  }
}

export interface JobSchedule {
  host: string;
  command: string;
  schedule: string;
}

/** The hello's job list; each distinct expression is computed once. */
export function jobInfos(jobs: readonly JobSchedule[], intervalOf: (expression: string) => number = cronIntervalMs): ScheduledJobInfo[] {
  const cache = new Map<string, number>();
  return jobs.map((j) => {
    let intervalMs = cache.get(j.schedule);
    if (intervalMs === undefined) {
      intervalMs = intervalOf(j.schedule);
      cache.set(j.schedule, intervalMs);
    }
    return { host: j.host, command: j.command, schedule: j.schedule, intervalMs };
  });
}
