import { describe, it, expect } from 'vitest';
import { systemParsers } from '../../src/parse/catalog-system.js';
import { findParser } from '../../src/parse/catalog.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

const EXPECTED = [
  'proc-stat', 'proc-meminfo', 'proc-loadavg', 'proc-uptime', 'proc-net-dev', 'df', 'lsblk', 'ip-addr', 'smartctl', 'uname', 'os-release',
];

/** One real fixture per parser, and a cut of it that must not parse. */
const SAMPLES: Record<string, { kind: string; file: string; truncateAt: number }> = {
  'proc-stat': { kind: 'proc-stat', file: 'this-host-2cpu.txt', truncateAt: 8 },
  'proc-meminfo': { kind: 'proc-meminfo', file: 'this-host.txt', truncateAt: 20 },
  'proc-loadavg': { kind: 'proc-loadavg', file: 'this-host.txt', truncateAt: 9 },
  'proc-uptime': { kind: 'proc-uptime', file: 'this-host.txt', truncateAt: 5 },
  'proc-net-dev': { kind: 'proc-net-dev', file: 'this-host.txt', truncateAt: 60 },
  df: { kind: 'df', file: 'this-host-P-B1.txt', truncateAt: 30 },
  lsblk: { kind: 'lsblk', file: 'this-host.json', truncateAt: 60 },
  'ip-addr': { kind: 'ip-addr', file: 'this-host.json', truncateAt: 200 },
  smartctl: { kind: 'smartctl', file: 'nvme-healthy.json', truncateAt: 300 },
  uname: { kind: 'uname', file: 'this-host.txt', truncateAt: 5 },
  'os-release': { kind: 'os-release', file: 'this-host-debian12.txt', truncateAt: 20 },
};

describe('system parser catalog', () => {
  it('lists the system parsers by their stable names, findable through the catalog', () => {
    expect(systemParsers.map((p) => p.name)).toEqual(EXPECTED);
    for (const p of systemParsers) {
      expect(p.input.length).toBeGreaterThan(10);
      expect(findParser(p.name)).toBe(p);
    }
  });

  it.each(EXPECTED)('%s reads its own fixture into a JSON-able value', (name) => {
    const parser = systemParsers.find((p) => p.name === name)!;
    const sample = SAMPLES[name]!;
    const value = parser.parse(fixture(sample.kind, sample.file));
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  it.each(EXPECTED)('%s fails with PARSE_FAILED on empty, garbage and truncated input', (name) => {
    const parser = systemParsers.find((p) => p.name === name)!;
    const sample = SAMPLES[name]!;
    const text = fixture(sample.kind, sample.file);
    expectParseFailed(() => parser.parse(''), name);
    expectParseFailed(() => parser.parse('\u0000\u0001 garbage ; <html>\n'), name);
    expectParseFailed(() => parser.parse(text.slice(0, sample.truncateAt)), name);
  });

  it('adds a health verdict to the smartctl parser result', () => {
    const parser = systemParsers.find((p) => p.name === 'smartctl')!;
    expect(parser.parse(fixture('smartctl', 'sata-hdd-failed.json'))).toMatchObject({ health: { verdict: 'critical' } });
  });
});
