import { describe, it, expect } from 'vitest';
import { parseProcMeminfo } from '../../src/parse/proc-meminfo.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

const KIB = 1024;

function kbField(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!m) throw new Error(`${key} not in fixture`);
  return Number(m[1]) * KIB;
}

describe('proc-meminfo', () => {
  it('reads this host in bytes with the kernel MemAvailable', () => {
    const text = fixture('proc-meminfo', 'this-host.txt');
    const mem = parseProcMeminfo(text);
    expect(mem.totalBytes).toBe(kbField(text, 'MemTotal'));
    expect(mem.availableBytes).toBe(kbField(text, 'MemAvailable'));
    expect(mem.availableEstimated).toBe(false);
    expect(mem.usedBytes).toBe(mem.totalBytes - mem.availableBytes);
    expect(mem.usedPercent).toBeCloseTo((mem.usedBytes / mem.totalBytes) * 100, 1);
    expect(mem.fields['Cached']).toBe(kbField(text, 'Cached'));
  });

  it('estimates MemAvailable on old kernels and says so', () => {
    const mem = parseProcMeminfo(fixture('proc-meminfo', 'old-kernel-no-memavailable.txt'));
    expect(mem.totalBytes).toBe(2048000 * KIB);
    expect(mem.availableBytes).toBe((512000 + 100000 + 400000 + 60000) * KIB);
    expect(mem.availableEstimated).toBe(true);
    expect(mem.swapTotalBytes).toBe(1024000 * KIB);
    expect(mem.swapFreeBytes).toBe(1000000 * KIB);
    expect(mem.fields['HugePages_Total']).toBe(0);
    expect(mem.fields['Hugepagesize']).toBe(2048 * KIB);
  });

  it('reads the legacy "total: used:" table when it is all there is', () => {
    const mem = parseProcMeminfo(fixture('proc-meminfo', 'legacy-header-only.txt'));
    expect(mem.totalBytes).toBe(134217728);
    expect(mem.freeBytes).toBe(33554432);
    expect(mem.buffersBytes).toBe(4194304);
    expect(mem.cachedBytes).toBe(41943040);
    expect(mem.availableBytes).toBe(33554432 + 4194304 + 41943040);
    expect(mem.availableEstimated).toBe(true);
    expect(mem.swapTotalBytes).toBe(67108864);
    expect(mem.swapFreeBytes).toBe(50331648);
  });

  it('reads a file without a trailing newline', () => {
    const mem = parseProcMeminfo(fixture('proc-meminfo', 'no-trailing-newline.txt'));
    expect(mem.availableBytes).toBe(600000 * KIB);
    expect(mem.swapFreeBytes).toBe(0);
    expect(mem.usedPercent).toBe(40);
  });

  it('rejects malformed, truncated and empty input', () => {
    expectParseFailed(() => parseProcMeminfo(''), 'proc-meminfo', /MemTotal/);
    expectParseFailed(() => parseProcMeminfo('MemTotal:        2048'), 'proc-meminfo', /MemFree/);
    expectParseFailed(() => parseProcMeminfo('MemTotal: lots kB\nMemFree: 1 kB\n'), 'proc-meminfo', /Key: value/);
    expectParseFailed(() => parseProcMeminfo('MemTotal: 0 kB\nMemFree: 0 kB\n'), 'proc-meminfo', /MemTotal is 0/);
    expectParseFailed(() => parseProcMeminfo('{"MemTotal": 1}'), 'proc-meminfo');
    expectParseFailed(() => parseProcMeminfo('cpu  1 2 3 4\n'), 'proc-meminfo');
  });
});
