import { describe, it, expect } from 'vitest';
import { Scheduler, type CronFactory } from '../../src/schedule/scheduler.js';
import { hostJitterMs } from '../../src/schedule/host-jitter.js';
import { EventCounters } from '../../src/service/event-counters.js';
import type { CollectOptions, CollectResult } from '../../src/service/collection-types.js';
import { host, silentLogger } from '../service/fakes.js';

function manualCron() {
  const ticks = new Map<string, () => void>();
  const stopped: string[] = [];
  const factory: CronFactory = (expression, onTick, name) => {
    ticks.set(name, onTick);
    return { stop: () => void stopped.push(name), destroy: () => undefined };
  };
  return { factory, ticks, stopped };
}

describe('Scheduler', () => {
  it('collects on each tick with source schedule and skips a tick while the previous run is going', async () => {
    const cron = manualCron();
    const counters = new EventCounters();
    const resolvers: Array<() => void> = [];
    const calls: Array<[string, string, CollectOptions]> = [];
    const scheduler = new Scheduler({
      jobs: [{ host: host('h1'), command: 'list', schedule: '* * * * *' }],
      collect: (h, c, o) => {
        calls.push([h, c, o]);
        return new Promise<CollectResult>((resolve) => resolvers.push(() => resolve({} as CollectResult)));
      },
      jitterMs: 0,
      counters,
      logger: silentLogger,
      cronFactory: cron.factory,
    });
    scheduler.start();
    const tick = cron.ticks.get('h1/list');
    expect(tick).toBeDefined();
    tick?.();
    tick?.();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[2].source).toBe('schedule');
    expect(counters.get('schedule_skipped_overlap')).toBe(1);
    resolvers[0]?.();
    await new Promise((r) => setImmediate(r));
    tick?.();
    expect(calls).toHaveLength(2);
    expect(scheduler.status()[0]).toMatchObject({ runs: 2, skipped: 1, running: true });
    await scheduler.stop();
    await scheduler.stop();
    expect(cron.stopped).toEqual(['h1/list']);
    tick?.();
    expect(calls).toHaveLength(2);
  });

  it('counts failed runs without throwing', async () => {
    const cron = manualCron();
    const scheduler = new Scheduler({
      jobs: [{ host: host('h1'), command: 'x', schedule: '* * * * *' }],
      collect: () => Promise.reject(new Error('boom')),
      jitterMs: 0,
      counters: new EventCounters(),
      logger: silentLogger,
      cronFactory: cron.factory,
    });
    scheduler.start();
    cron.ticks.get('h1/x')?.();
    await new Promise((r) => setImmediate(r));
    expect(scheduler.status()[0]).toMatchObject({ runs: 1, failures: 1, running: false });
    await scheduler.stop();
  });

  it('fires from real node-cron on a seconds schedule', async () => {
    const calls: string[] = [];
    const scheduler = new Scheduler({
      jobs: [{ host: host('h1'), command: 'tick', schedule: '* * * * * *' }],
      collect: async (h, c) => {
        calls.push(`${h}/${c}`);
        return {} as CollectResult;
      },
      jitterMs: 0,
      counters: new EventCounters(),
      logger: silentLogger,
    });
    scheduler.start();
    const deadline = Date.now() + 5_000;
    while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await scheduler.stop();
    expect(calls[0]).toBe('h1/tick');
  });
});

describe('hostJitterMs', () => {
  it('is stable per host, within range, and spreads hosts', () => {
    expect(hostJitterMs('nas', 30_000)).toBe(hostJitterMs('nas', 30_000));
    const offsets = Array.from({ length: 20 }, (_, i) => hostJitterMs(`host-${i}`, 30_000));
    for (const o of offsets) expect(o).toBeGreaterThanOrEqual(0);
    for (const o of offsets) expect(o).toBeLessThan(30_000);
    expect(new Set(offsets).size).toBeGreaterThan(15);
    expect(hostJitterMs('nas', 0)).toBe(0);
  });
});
