import { describe, expect, it } from 'vitest';
import { cronIntervalMs, jobInfos } from '../../src/stream/job-intervals.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

describe('job intervals for hello', () => {
  it('is the time between runs for regular schedules', () => {
    expect(cronIntervalMs('*/5 * * * *')).toBe(5 * MINUTE_MS);
    expect(cronIntervalMs('* * * * *')).toBe(MINUTE_MS);
    expect(cronIntervalMs('*/10 * * * * *')).toBe(10_000);
  });

  it('is the longest gap for irregular ones (a weekday job is not stale over the weekend)', () => {
    expect(cronIntervalMs('0,10 * * * *')).toBe(50 * MINUTE_MS);
    expect(cronIntervalMs('0 9 * * 1-5')).toBeGreaterThanOrEqual(71 * HOUR_MS);
  });

  it('lists every job with its interval, computing each expression once', () => {
    const computed: string[] = [];
    const infos = jobInfos(
      [
        { host: 'a', command: 'x', schedule: '*/5 * * * *' },
        { host: 'b', command: 'x', schedule: '*/5 * * * *' },
        { host: 'a', command: 'y', schedule: '@hourly' },
      ],
      (e) => {
        computed.push(e);
        return cronIntervalMs(e);
      },
    );
    expect(infos).toEqual([
      { host: 'a', command: 'x', schedule: '*/5 * * * *', intervalMs: 5 * MINUTE_MS },
      { host: 'b', command: 'x', schedule: '*/5 * * * *', intervalMs: 5 * MINUTE_MS },
      { host: 'a', command: 'y', schedule: '@hourly', intervalMs: HOUR_MS },
    ]);
    expect(computed).toEqual(['*/5 * * * *', '@hourly']);
  });
});
