import { describe, it, expect } from 'vitest';
import { parseProcStat, cpuPercent, type CpuTimes } from '../../src/parse/proc-stat.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

const ZERO: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };

describe('proc-stat', () => {
  it('reads the aggregate and per-CPU lines of this host', () => {
    const text = fixture('proc-stat', 'this-host-2cpu.txt');
    const stat = parseProcStat(text);
    const firstLine = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    expect(stat.cpu.user).toBe(firstLine[0]);
    expect(stat.cpu.idle).toBe(firstLine[3]);
    expect(stat.cpu.steal).toBe(firstLine[7]);
    expect(stat.cpus.map((c) => c.name)).toEqual(['cpu0', 'cpu1']);
    expect(stat.cpus.map((c) => c.index)).toEqual([0, 1]);
    expect(stat.processesForked).toBeGreaterThan(0);
    expect(stat.procsRunning).toBeGreaterThanOrEqual(1);
    expect(stat.bootTimeSeconds).toBeGreaterThan(0);
  });

  it('computes busy percent from two samples, overall and per CPU', () => {
    const a = parseProcStat(fixture('proc-stat', 'sample-a.txt'));
    const b = parseProcStat(fixture('proc-stat', 'sample-b.txt'));
    // total 1000 -> 1200, idle+iowait 850 -> 970: 80 of 200 ticks busy
    expect(cpuPercent(a.cpu, b.cpu)).toBe(40);
    expect(cpuPercent(a.cpus[0]!.times, b.cpus[0]!.times)).toBe(60);
    expect(cpuPercent(a.cpus[1]!.times, b.cpus[1]!.times)).toBe(20);
    expect(b.procsRunning).toBe(3);
    expect(b.procsBlocked).toBe(1);
    expect(b.processesForked).toBe(510);
  });

  it('leaves guest time out of the total (it is already inside user)', () => {
    const prev = { ...ZERO, user: 100, idle: 100 };
    const next = { ...ZERO, user: 150, idle: 150, guest: 50 };
    expect(cpuPercent(prev, next)).toBe(50);
  });

  it('gives null when no tick passed or counters went backwards', () => {
    const a = parseProcStat(fixture('proc-stat', 'sample-a.txt'));
    const b = parseProcStat(fixture('proc-stat', 'sample-b.txt'));
    expect(cpuPercent(a.cpu, a.cpu)).toBeNull();
    expect(cpuPercent(b.cpu, a.cpu)).toBeNull();
  });

  it('keeps the share within 0..100 when iowait steps backwards', () => {
    const prev = { ...ZERO, user: 10, idle: 100, iowait: 50 };
    const next = { ...ZERO, user: 20, idle: 130, iowait: 40 };
    // 30 ticks passed: 10 user, idle+iowait +20 although iowait fell by 10
    expect(cpuPercent(prev, next)).toBe(33.33);
  });

  it('reads old kernels with only five columns and CRLF line endings', () => {
    const old = parseProcStat(fixture('proc-stat', 'old-kernel-5-columns.txt'));
    expect(old.cpu).toEqual({ ...ZERO, user: 1200, nice: 30, system: 400, idle: 90000, iowait: 120 });
    expect(old.procsRunning).toBeNull();
    const crlf = parseProcStat('cpu  1 2 3 4 5 6 7 8 0 0\r\ncpu0 1 2 3 4 5 6 7 8 0 0\r\nprocesses 9\r\n');
    expect(crlf.cpu.steal).toBe(8);
    expect(crlf.processesForked).toBe(9);
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseProcStat(''), 'proc-stat', /no aggregate/);
    expectParseFailed(() => parseProcStat('cpu  1 2 x 4\n'), 'proc-stat', /not a counter/);
    expectParseFailed(() => parseProcStat('cpu  21238'), 'proc-stat', /columns/);
    expectParseFailed(() => parseProcStat('MemTotal: 1 kB\n'), 'proc-stat');
    expectParseFailed(() => parseProcStat('hello world\n'), 'proc-stat', /no aggregate/);
    expectParseFailed(() => parseProcStat('cpu 1 2 3 4\ncpu 1 2 3 4\n'), 'proc-stat', /two aggregate/);
    expectParseFailed(() => parseProcStat('cpu 1 2 3 4\nprocesses many\n'), 'proc-stat', /processes/);
  });
});
