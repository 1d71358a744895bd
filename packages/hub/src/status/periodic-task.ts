/**
 * A task run every `intervalMs` (stale re-evaluation, retention). The timer
 * does not keep the process alive; a throwing task is logged and counted
 * (`periodic_task_failed`) and runs again next time. stop() is safe twice.
 */
import { noteFailure, type EventSink } from './hub-counters.js';

export interface PeriodicTask {
  stop(): void;
}

export function startPeriodic(name: string, intervalMs: number, run: () => void, sink: EventSink): PeriodicTask {
  const timer = setInterval(() => {
    try {
      run();
    } catch (err) {
      noteFailure(sink, 'periodic_task_failed', { task: name, err }, `periodic task ${name} failed`);
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
