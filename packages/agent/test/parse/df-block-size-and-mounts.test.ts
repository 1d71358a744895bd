import { describe, it, expect } from 'vitest';
import { parseDf } from '../../src/parse/df.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('df', () => {
  it('reads df -P -B1 of this host in bytes', () => {
    const df = parseDf(fixture('df', 'this-host-P-B1.txt'));
    expect(df.blockSizeBytes).toBe(1);
    const root = df.filesystems.find((f) => f.mount === '/');
    expect(root).toBeDefined();
    expect(root!.sizeBytes).toBeGreaterThan(0);
    expect(root!.usedBytes + root!.availableBytes).toBeLessThanOrEqual(root!.sizeBytes);
    expect(root!.type).toBeNull();
    for (const f of df.filesystems) expect(f.usedPercent).toBeGreaterThanOrEqual(0);
  });

  it('reads plain df -P (1024-blocks) into the same bytes', () => {
    const b1 = parseDf(fixture('df', 'this-host-P-B1.txt'));
    const k = parseDf(fixture('df', 'this-host-P-1024.txt'));
    expect(k.blockSizeBytes).toBe(1024);
    expect(k.filesystems.map((f) => f.mount)).toEqual(b1.filesystems.map((f) => f.mount));
    const rootK = k.filesystems.find((f) => f.mount === '/')!;
    const rootB = b1.filesystems.find((f) => f.mount === '/')!;
    expect(Math.abs(rootK.sizeBytes - rootB.sizeBytes)).toBeLessThan(1024);
  });

  it('keeps spaces in mount points and filesystem names', () => {
    const df = parseDf(fixture('df', 'mount-with-spaces-P-1024.txt'));
    expect(df.filesystems.map((f) => [f.filesystem, f.mount])).toEqual([
      ['/dev/sda1', '/'],
      ['/dev/sdb1', '/mnt/My Passport'],
      ['//nas/media share', '/media/nas media'],
    ]);
    expect(df.filesystems[1]).toMatchObject({ sizeBytes: 976284628 * 1024, usedBytes: 500000000 * 1024, usedPercent: 52 });
  });

  it('reads the Type column of df -PT and "-" capacities', () => {
    const df = parseDf(fixture('df', 'with-type-PT-B1.txt'));
    expect(df.filesystems.map((f) => f.type)).toEqual(['ext4', 'tmpfs', 'proc']);
    expect(df.filesystems[0]).toMatchObject({ filesystem: '/dev/nvme0n1p2', sizeBytes: 502392610816, usedPercent: 21, mount: '/' });
    expect(df.filesystems[2]).toMatchObject({ sizeBytes: 0, usedPercent: null, mount: '/proc' });
  });

  it('reads the block size from every header form', () => {
    const row = '/dev/sda1 10 4 6 40% /';
    const size = (h: string): number => parseDf(`Filesystem ${h} Used Available Capacity Mounted on\n${row}\n`).filesystems[0]!.sizeBytes;
    expect(size('1-blocks')).toBe(10);
    expect(size('1B-blocks')).toBe(10);
    expect(size('512-blocks')).toBe(5120);
    expect(size('1K-blocks')).toBe(10240);
    expect(size('1kB-blocks')).toBe(10000);
    expect(size('1M-blocks')).toBe(10 * 1048576);
    expect(parseDf(`Filesystem 1K-blocks Used Available Use% Mounted on\n${row}\n`).blockSizeBytes).toBe(1024);
  });

  it('joins an entry an old df wrapped after a long device name', () => {
    const text = 'Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/mapper/very-long-volume-group-name\n   1000 400 600 40% /data\n';
    expect(parseDf(text).filesystems).toEqual([
      { filesystem: '/dev/mapper/very-long-volume-group-name', type: null, sizeBytes: 1024000, usedBytes: 409600, availableBytes: 614400, usedPercent: 40, mount: '/data' },
    ]);
  });

  it('gives no filesystems for a header-only output', () => {
    expect(parseDf('Filesystem 1-blocks Used Available Capacity Mounted on\n').filesystems).toEqual([]);
  });

  it('rejects human-readable, malformed, truncated and empty input', () => {
    expectParseFailed(() => parseDf(fixture('df', 'human-readable-h.txt')), 'df', /df -h/);
    expectParseFailed(() => parseDf(''), 'df', /empty/);
    expectParseFailed(() => parseDf('Filesystem 1-blocks Used'), 'df', /header/);
    expectParseFailed(() => parseDf('Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/sda1 30830588 1234\n'), 'df', /line is not/);
    expectParseFailed(() => parseDf('Filesystem Inodes IUsed IFree IUse% Mounted on\n'), 'df', /header columns|inode/);
    expectParseFailed(() => parseDf('Filesystem weird-blocks Used Available Capacity Mounted on\n'), 'df', /block size/);
    expectParseFailed(() => parseDf('{"filesystems": []}'), 'df', /header/);
  });
});
