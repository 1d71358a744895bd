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
 * One cron task per host/command. A tick waits the host's jitter, then
 * collects with source 'schedule'. A tick that finds the previous run of
 * the same host/command still going is skipped and counted, never queued.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #tasks: CronTask[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #status = new Map<string, JobStatus>();
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
    for (const job of this.#o.jobs) {
      const name = `${job.host.name}/${job.command}`;
      this.#tasks.push(factory(job.schedule, () => this.#tick(job), name));
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
    this.#run(job);
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

  #run(job: ScheduledJob): void {
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
    this.#o
      .collect(job.host.name, job.command, { source: 'schedule' })
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
    await Promise.all(this.#tasks.map(async (t) => {
      await t.stop();
      await t.destroy();
    }));
    this.#tasks.length = 0;
  }
}

function keyOf(host: string, command: string): string {
  return `${host}\u0000${command}`;
}
