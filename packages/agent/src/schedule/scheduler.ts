import cron from 'node-cron';
import type { Logger } from 'pino';
import { toInfraError } from '@infrastructor/shared';
import type { HostConfig } from '../config/agent-config.js';
import type { EventCounters } from '../service/event-counters.js';
import type { CollectOptions, CollectResult } from '../service/collection-types.js';
import { hostJitterMs } from './host-jitter.js';

/** The part of node-cron the scheduler uses; injected for tests. */
export interface CronTask {
  stop(): void | Promise<void>;
  destroy(): void | Promise<void>;
}
export type CronFactory = (expression: string, onTick: () => void, name: string) => CronTask;

export const nodeCronFactory: CronFactory = (expression, onTick, name) =>
  cron.schedule(expression, () => onTick(), { name, noOverlap: false });

export interface ScheduledJob {
  host: HostConfig;
  command: string;
  schedule: string;
}

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  collect: (host: string, command: string, options: CollectOptions) => Promise<CollectResult>;
  /**
   * When given, jobs of one host that fall due within `batchWindowMs` of
   * each other are handed over together (CollectionService.collectMany: one
   * exec channel for several commands); one promise per command, in order.
   */
  collectMany?: (host: string, commands: readonly string[], options: CollectOptions) => Promise<CollectResult>[];
  /** How long the first due job of a host waits for others (collectMany only). Default 20 ms. */
  batchWindowMs?: number;
  jitterMs: number;
  counters: EventCounters;
  logger: Logger;
  cronFactory?: CronFactory;
}

export interface JobStatus {
  host: string;
  command: string;
  schedule: string;
  running: boolean;
  runs: number;
  skipped: number;
  failures: number;
}

/**
 * Cron schedules per host/command (one cron task per distinct expression).
 * A tick waits the host's jitter, then
 * collects with source 'schedule'. A tick that finds the previous run of
 * the same host/command still going is skipped and counted, never queued.
 * With `collectMany`, the jobs of one host that fall due together are
 * collected together (one exec channel; see CollectionService.collectMany).
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #tasks: CronTask[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #status = new Map<string, JobStatus>();
  /** Per host: jobs due now, waiting for the batch window (collectMany only). */
  readonly #due = new Map<string, DueJob[]>();
  #started = false;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    for (const job of options.jobs) {
      this.#status.set(keyOf(job.host.name, job.command), {
        host: job.host.name,
        command: job.command,
        schedule: job.schedule,
        running: false,
        runs: 0,
        skipped: 0,
        failures: 0,
      });
    }
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const factory = this.#o.cronFactory ?? nodeCronFactory;
    // One cron task per distinct expression, ticking every job that has it:
    // a cron task costs the same work every second whatever it runs, and a
    // site often has hundreds of host/command jobs on a handful of schedules.
    const bySchedule = new Map<string, ScheduledJob[]>();
    for (const job of this.#o.jobs) {
      const group = bySchedule.get(job.schedule);
      if (group) group.push(job);
      else bySchedule.set(job.schedule, [job]);
    }
    for (const [schedule, group] of bySchedule) {
      const first = group[0] as ScheduledJob;
      const name = group.length === 1 ? `${first.host.name}/${first.command}` : `${schedule} (${group.length} jobs)`;
      this.#tasks.push(factory(schedule, () => {
        for (const job of group) this.#tick(job);
      }, name));
    }
    this.#o.logger.info({ event: 'scheduler_started', jobs: this.#o.jobs.length }, `scheduled ${this.#o.jobs.length} host/command jobs`);
  }

  /**
   * Collect every job once now, each host after its jitter offset (the
   * `schedule.runOnStart` kick-off), instead of waiting for the first tick.
   */
  kickoff(): void {
    for (const job of this.#o.jobs) this.#tick(job);
  }

  /** Run one job now, ignoring jitter (tests, on-demand). */
  trigger(host: string, command: string): boolean {
    const job = this.#o.jobs.find((j) => j.host.name === host && j.command === command);
    if (!job) return false;
    this.#run(job, false);
    return true;
  }

  #tick(job: ScheduledJob): void {
    if (this.#stopped) return;
    const delayMs = hostJitterMs(job.host.name, this.#o.jitterMs);
    if (delayMs === 0) {
      this.#run(job);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#run(job);
    }, delayMs);
    this.#timers.add(timer);
  }

  #run(job: ScheduledJob, batch = true): void {
    if (this.#stopped) return;
    const status = this.#status.get(keyOf(job.host.name, job.command));
    if (!status) return;
    if (status.running) {
      status.skipped += 1;
      this.#o.counters.inc('schedule_skipped_overlap');
      this.#o.logger.warn(
        { event: 'schedule_skipped_overlap', host: job.host.name, command: job.command },
        'previous run still going; tick skipped',
      );
      return;
    }
    status.running = true;
    status.runs += 1;
    if (!batch || this.#o.collectMany === undefined) {
      this.#track(status, this.#o.collect(job.host.name, job.command, { source: 'schedule' }));
      return;
    }
    // Wait a moment for the host's other jobs due now (cron ticks of one
    // second spread over a few ms), then hand them over together.
    const host = job.host.name;
    let due = this.#due.get(host);
    if (due === undefined) {
      due = [];
      this.#due.set(host, due);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#flushDue(host);
      }, this.#o.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS);
      this.#timers.add(timer);
    }
    due.push({ job, status });
  }

  #flushDue(host: string): void {
    const due = this.#due.get(host) ?? [];
    this.#due.delete(host);
    if (due.length === 0) return;
    const run = this.#stopped
      ? due.map(() => Promise.reject(toInfraError(new Error('the scheduler stopped'))))
      : due.length === 1
        ? [this.#o.collect(host, (due[0] as DueJob).job.command, { source: 'schedule' })]
        : (this.#o.collectMany as NonNullable<SchedulerOptions['collectMany']>)(host, due.map((d) => d.job.command), { source: 'schedule' });
    due.forEach((d, i) => this.#track(d.status, run[i] ?? Promise.reject(toInfraError(new Error('no collection started')))));
  }

  #track(status: JobStatus, run: Promise<CollectResult>): void {
    run
      .catch((err: unknown) => {
        // Already audited, logged and counted by the collection service.
        status.failures += 1;
        return toInfraError(err);
      })
      .finally(() => {
        status.running = false;
      });
  }

  status(): JobStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s }));
  }

  /** Stop all schedules and pending jittered ticks. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const due of this.#due.values()) for (const d of due) d.status.running = false;
    this.#due.clear();
    await Promise.all(this.#tasks.map(async (t) => {
      await t.stop();
      await t.destroy();
    }));
    this.#tasks.length = 0;
  }
}

const DEFAULT_BATCH_WINDOW_MS = 20;

interface DueJob {
  job: ScheduledJob;
  status: JobStatus;
}

function keyOf(host: string, command: string): string {
  return `${host}\u0000${command}`;
}
