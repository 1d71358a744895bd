import { describe, it, expect } from 'vitest';
import { Scheduler, type CronFactory } from '../../src/schedule/scheduler.js';
import { EventCounters } from '../../src/service/event-counters.js';
import type { CollectOptions, CollectResult } from '../../src/service/collection-types.js';
import { host, silentLogger } from '../service/fakes.js';

function manualCron() {
  const ticks = new Map<string, () => void>();
  const factory: CronFactory = (_expression, onTick, name) => {
    ticks.set(name, onTick);
    return { stop: () => undefined, destroy: () => undefined };
  };
  return { factory, ticks };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Scheduler with collectMany', () => {
  it('hands the jobs of one host that fall due together to collectMany, one cron task per expression', async () => {
    const cron = manualCron();
    const many: Array<[string, string[]]> = [];
    const single: string[] = [];
    const finish: Array<() => void> = [];
    const scheduler = new Scheduler({
      jobs: [
        { host: host('h1'), command: 'a', schedule: '* * * * * *' },
        { host: host('h1'), command: 'b', schedule: '* * * * * *' },
        { host: host('h2'), command: 'a', schedule: '* * * * * *' },
        { host: host('h1'), command: 'c', schedule: '0 * * * *' },
      ],
      collect: (h, c) => {
        single.push(`${h}/${c}`);
        return Promise.resolve({} as CollectResult);
      },
      collectMany: (h, cs, o: CollectOptions) => {
        expect(o.source).toBe('schedule');
        many.push([h, [...cs]]);
        return cs.map(() => new Promise<CollectResult>((resolve) => finish.push(() => resolve({} as CollectResult))));
      },
      batchWindowMs: 5,
      jitterMs: 0,
      counters: new EventCounters(),
      logger: silentLogger,
      cronFactory: cron.factory,
    });
    scheduler.start();
    expect([...cron.ticks.keys()].sort()).toEqual(['* * * * * * (3 jobs)', 'h1/c']);
    cron.ticks.get('* * * * * * (3 jobs)')?.();
    await sleep(30);
    expect(many).toEqual([['h1', ['a', 'b']]]);
    expect(single).toEqual(['h2/a']);
    // still running: the next tick skips h1's jobs, h2/a ran and finished
    cron.ticks.get('* * * * * * (3 jobs)')?.();
    await sleep(30);
    expect(many).toHaveLength(1);
    expect(single).toEqual(['h2/a', 'h2/a']);
    expect(scheduler.status().find((s) => s.host === 'h1' && s.command === 'a')).toMatchObject({ running: true, skipped: 1 });
    for (const f of finish) f();
    await sleep(5);
    expect(scheduler.status().find((s) => s.host === 'h1' && s.command === 'a')).toMatchObject({ running: false, runs: 1 });
    await scheduler.stop();
  });

  it('trigger() still runs one job at once, alone', () => {
    const calls: string[] = [];
    const scheduler = new Scheduler({
      jobs: [
        { host: host('h1'), command: 'a', schedule: '* * * * *' },
        { host: host('h1'), command: 'b', schedule: '* * * * *' },
      ],
      collect: (h, c) => {
        calls.push(`${h}/${c}`);
        return Promise.resolve({} as CollectResult);
      },
      collectMany: () => {
        throw new Error('not expected');
      },
      jitterMs: 0,
      counters: new EventCounters(),
      logger: silentLogger,
      cronFactory: manualCron().factory,
    });
    expect(scheduler.trigger('h1', 'b')).toBe(true);
    expect(calls).toEqual(['h1/b']);
  });
});
