import { describe, it, expect } from 'vitest';
import { parseProcLoadavg } from '../../src/parse/proc-loadavg.js';
import { parseProcUptime } from '../../src/parse/proc-uptime.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('proc-loadavg', () => {
  it('reads this host', () => {
    const text = fixture('proc-loadavg', 'this-host.txt');
    const [l1, l5, l15, tasks, pid] = text.trim().split(/\s+/);
    const load = parseProcLoadavg(text);
    expect(load.load1).toBe(Number(l1));
    expect(load.load5).toBe(Number(l5));
    expect(load.load15).toBe(Number(l15));
    expect(`${load.runningTasks}/${load.totalTasks}`).toBe(tasks);
    expect(load.lastPid).toBe(Number(pid));
  });

  it('reads a line without newline and a 7-digit pid', () => {
    expect(parseProcLoadavg('12.50 8.00 4.25 9/1200 1558584')).toEqual({
      load1: 12.5, load5: 8, load15: 4.25, runningTasks: 9, totalTasks: 1200, lastPid: 1558584,
    });
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseProcLoadavg(''), 'proc-loadavg');
    expectParseFailed(() => parseProcLoadavg('0.31 0.37'), 'proc-loadavg', /5 fields/);
    expectParseFailed(() => parseProcLoadavg('0.1 0.2 0.3 1-5 100'), 'proc-loadavg', /running\/total/);
    expectParseFailed(() => parseProcLoadavg('a b c 1/2 3'), 'proc-loadavg', /decimals/);
    expectParseFailed(() => parseProcLoadavg('0.1 0.2 0.3 1/5 100\n0.1 0.2 0.3 1/5 100\n'), 'proc-loadavg', /one line/);
  });
});

describe('proc-uptime', () => {
  it('reads this host', () => {
    const text = fixture('proc-uptime', 'this-host.txt');
    const [up, idle] = text.trim().split(' ');
    expect(parseProcUptime(text)).toEqual({ uptimeSeconds: Number(up), idleSeconds: Number(idle) });
  });

  it('accepts idle above uptime (summed over CPUs)', () => {
    expect(parseProcUptime('23535.50 188023.20')).toEqual({ uptimeSeconds: 23535.5, idleSeconds: 188023.2 });
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseProcUptime(''), 'proc-uptime');
    expectParseFailed(() => parseProcUptime('363.04'), 'proc-uptime', /2 fields/);
    expectParseFailed(() => parseProcUptime('12 x'), 'proc-uptime', /decimals/);
    expectParseFailed(() => parseProcUptime('-1 2'), 'proc-uptime', /decimals/);
    expectParseFailed(() => parseProcUptime('1 2 3'), 'proc-uptime');
  });
});
