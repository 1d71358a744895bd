import { describe, it, expect } from 'vitest';
import { parseDockerStats } from '../../src/parse/docker-stats.js';
import { dockerSizeBytes } from '../../src/parse/docker-size.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

describe('docker-stats parser', () => {
  const stats = parseDockerStats(fixture('docker', 'stats-homelab.jsonl'));

  it('reads memory in binary units and I/O in decimal units', () => {
    expect(stats[0]).toEqual({
      id: '3f1c9a7b2e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
      name: 'swag',
      cpuPercent: 0.52,
      memoryUsedBytes: Math.round(102.5 * 1024 ** 2),
      memoryLimitBytes: Math.round(7.654 * 1024 ** 3),
      memoryPercent: 1.31,
      netRxBytes: 10_300,
      netTxBytes: 2_050_000_000,
      blockReadBytes: 1_200_000,
      blockWriteBytes: 0,
      pids: 41,
    });
    expect(stats[1]).toMatchObject({
      name: 'pihole',
      cpuPercent: 104.25,
      memoryUsedBytes: 512 * 1024 ** 2,
      memoryLimitBytes: 8 * 1024 ** 3,
      netRxBytes: 1_500_000_000,
      netTxBytes: 880_000,
      blockReadBytes: 4_100_000_000,
      blockWriteBytes: 812_000_000,
    });
    expect(stats[2]).toMatchObject({ memoryUsedBytes: 1.5 * 1024 ** 3, netRxBytes: 0, pids: 0 });
  });

  it('reports -- placeholders as null, not zero', () => {
    expect(stats[3]).toEqual({
      id: '8a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809',
      name: 'media-worker-1',
      cpuPercent: null,
      memoryUsedBytes: null,
      memoryLimitBytes: null,
      memoryPercent: null,
      netRxBytes: null,
      netTxBytes: null,
      blockReadBytes: null,
      blockWriteBytes: null,
      pids: null,
    });
  });

  it('knows decimal and binary prefixes apart', () => {
    expect(dockerSizeBytes('1kB')).toBe(1000);
    expect(dockerSizeBytes('1KiB')).toBe(1024);
    expect(dockerSizeBytes('1.2MB')).toBe(1_200_000);
    expect(dockerSizeBytes('1GB')).toBe(1e9);
    expect(dockerSizeBytes('1GiB')).toBe(1024 ** 3);
    expect(dockerSizeBytes('0B')).toBe(0);
    expect(dockerSizeBytes('--')).toBeNull();
    expect(dockerSizeBytes('12 apples')).toBeUndefined();
  });

  it('reads empty output as nothing running', () => {
    expect(parseDockerStats('')).toEqual([]);
  });

  it('rejects garbage values with the line number', () => {
    const line = (over: Record<string, string>) =>
      JSON.stringify({ ID: '0a1b2c3d4e5f', Name: 'x', CPUPerc: '1%', MemPerc: '1%', MemUsage: '1MiB / 2MiB', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '1', ...over });
    expect(parseDockerStats(line({}))).toHaveLength(1);
    expectParseFailed(() => parseDockerStats(`${line({})}\n${line({ MemUsage: 'lots / more' })}`), 'docker-stats', /line 2: cannot read MemUsage/);
    expectParseFailed(() => parseDockerStats(line({ CPUPerc: 'fast' })), 'docker-stats', /CPUPerc/);
    expectParseFailed(() => parseDockerStats(line({ PIDs: 'many' })), 'docker-stats', /PIDs/);
    expectParseFailed(() => parseDockerStats('{"BlockIO":"0B / 0B","CPUPerc":"0.0'), 'docker-stats', /line 1/);
  });
});
