import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { shutdownOnSignals, type ShutdownLogger } from '../src/process/shutdown-on-signals.js';

function fakeLogger(): ShutdownLogger & { events: string[] } {
  const events: string[] = [];
  const log = (level: string) => (fields: object) => void events.push(`${level}:${String((fields as { event?: unknown }).event)}`);
  return { events, info: log('info'), warn: log('warn'), error: log('error') };
}

/** A shutdown that finishes only when the test says so. */
function pendingShutdown(): { shutdown: () => Promise<void>; calls: () => number; finish: () => void; fail: (err: Error) => void } {
  let calls = 0;
  let finish = (): void => undefined;
  let fail = (_err: Error): void => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = () => resolve();
    fail = reject;
  });
  return {
    shutdown: () => {
      calls += 1;
      return done;
    },
    calls: () => calls,
    finish: () => finish(),
    fail: (err) => fail(err),
  };
}

describe('shutdownOnSignals', () => {
  it('a second signal during the shutdown forces the exit', async () => {
    const proc = new EventEmitter();
    const logger = fakeLogger();
    const work = pendingShutdown();
    const forced: string[] = [];
    const outcome = shutdownOnSignals({ process: proc, logger, shutdown: work.shutdown, force: (s) => void forced.push(s) });

    proc.emit('SIGTERM', 'SIGTERM');
    expect(work.calls()).toBe(1);
    expect(forced).toEqual([]);

    proc.emit('SIGINT', 'SIGINT');
    expect(forced).toEqual(['SIGINT']);
    await expect(outcome).resolves.toBe('forced');
    expect(work.calls()).toBe(1);
    expect(logger.events).toEqual(['info:signal_received', 'warn:shutdown_forced']);
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);

    work.finish(); // the late end of the graceful shutdown changes nothing
    await expect(outcome).resolves.toBe('forced');
  });

  it('one signal shuts down gracefully without forcing', async () => {
    const proc = new EventEmitter();
    const logger = fakeLogger();
    const work = pendingShutdown();
    let forced = 0;
    const outcome = shutdownOnSignals({ process: proc, logger, shutdown: work.shutdown, force: () => void (forced += 1) });
    expect(work.calls()).toBe(0);

    proc.emit('SIGINT', 'SIGINT');
    work.finish();
    await expect(outcome).resolves.toBe('stopped');
    expect(forced).toBe(0);
    expect(logger.events).toEqual(['info:signal_received']);
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('a failed shutdown is logged and reported as failed', async () => {
    const proc = new EventEmitter();
    const logger = fakeLogger();
    const work = pendingShutdown();
    const outcome = shutdownOnSignals({ process: proc, logger, shutdown: work.shutdown, force: () => undefined });

    proc.emit('SIGTERM', 'SIGTERM');
    work.fail(new Error('disk gone'));
    await expect(outcome).resolves.toBe('failed');
    expect(logger.events).toEqual(['info:signal_received', 'error:shutdown_failed']);
  });
});
