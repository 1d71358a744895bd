import { describe, it, expect } from 'vitest';
import { parseZpoolStatus, type ZpoolStatus, type ZpoolVdev } from '../../src/parse/zpool-status.js';
import { parseZpoolList } from '../../src/parse/zpool-list.js';
import { parseZfsList } from '../../src/parse/zfs-list.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

function pool(pools: ZpoolStatus[], name: string): ZpoolStatus {
  const p = pools.find((x) => x.name === name);
  if (!p) throw new Error(`no pool ${name}`);
  return p;
}

function child(v: ZpoolVdev | null | undefined, name: string): ZpoolVdev {
  const c = v?.children.find((x) => x.name === name);
  if (!c) throw new Error(`no vdev ${name}`);
  return c;
}

describe('zpool-status parser', () => {
  const pools = parseZpoolStatus(fixture('zfs', 'status-nas-4pools.txt'));

  it('reads every pool with its state', () => {
    expect(pools.map((p) => [p.name, p.state])).toEqual([
      ['backup', 'DEGRADED'],
      ['fast', 'ONLINE'],
      ['old', 'ONLINE'],
      ['tank', 'ONLINE'],
    ]);
  });

  it('reads a degraded pool that is resilvering', () => {
    const backup = pool(pools, 'backup');
    expect(backup.status).toBe('One or more devices is currently being resilvered.  The pool will continue to function, possibly in a degraded state.');
    expect(backup.action).toBe('Wait for the resilver to complete.');
    expect(backup.scan).toMatchObject({ kind: 'resilver', state: 'in-progress', resilvered: '562G', percentDone: 30.47, errors: null });
    expect(backup.scan?.time).toBe('Tue Nov  5 02:10:44 2024');
    const replacing = child(child(backup.config.pool, 'mirror-0'), 'replacing-0');
    expect(replacing.state).toBe('DEGRADED');
    expect(replacing.children.map((c) => [c.name, c.state, c.note, c.resilvering])).toEqual([
      ['9284710334455667788', 'UNAVAIL', 'was /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K0000001-part1', false],
      ['ata-WDC_WD40EFZX-68AWUN0_WD-CA0000000002', 'ONLINE', '(resilvering)', true],
    ]);
    expect(child(backup.config.pool, 'mirror-0').children).toHaveLength(2);
    expect(backup.errors).toEqual({ text: 'No known data errors', count: 0, files: [] });
  });

  it('reads a scrub in progress', () => {
    const fast = pool(pools, 'fast');
    expect(fast.status).toBeNull();
    expect(fast.scan).toMatchObject({ kind: 'scrub', state: 'in-progress', repaired: '0B', percentDone: 29.2 });
    expect(fast.scan?.details.split('\n')).toHaveLength(3);
  });

  it('reads checksum errors, including 1.2K style counts', () => {
    const old = pool(pools, 'old');
    expect(old.see).toBe('https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P');
    const mirror = child(old.config.pool, 'mirror-0');
    expect(child(mirror, 'sdg')).toMatchObject({ readErrors: 0, writeErrors: 0, checksumErrors: 1229 });
    expect(child(mirror, 'sdh')).toMatchObject({ readErrors: 3, writeErrors: 0, checksumErrors: 7 });
    expect(old.scan).toMatchObject({ kind: 'scrub', state: 'finished', repaired: '64K', errors: 0 });
  });

  it('reads a raidz2 + mirror pool with logs, cache and spares', () => {
    const tank = pool(pools, 'tank');
    expect(tank.scan).toMatchObject({ kind: 'scrub', state: 'finished', repaired: '0B', errors: 0, time: 'Sun Nov 10 09:36:55 2024' });
    expect(tank.config.pool?.children.map((v) => [v.name, v.children.length])).toEqual([
      ['raidz2-0', 6],
      ['mirror-1', 2],
    ]);
    expect(tank.config.logs.map((v) => [v.name, v.children.map((c) => c.name)])).toEqual([['mirror-2', ['nvme0n1p4', 'nvme1n1p4']]]);
    expect(tank.config.cache.map((v) => v.name)).toEqual(['nvme0n1p5']);
    expect(tank.config.spares).toEqual([
      { name: 'wwn-0x5000c500a1b2c309', state: 'AVAIL', readErrors: null, writeErrors: null, checksumErrors: null, note: null, resilvering: false, children: [] },
    ]);
  });

  it('keeps going past keys it does not know (scan warning:)', () => {
    const text = [
      '  pool: p',
      ' state: ONLINE',
      '  scan: scrub canceled on Mon Nov 11 10:00:00 2024',
      'scan warning: skipping blocks that are only referenced by the checkpoint.',
      'config:',
      '',
      '\tNAME  STATE     READ WRITE CKSUM',
      '\tp     ONLINE       0     0     0',
      '\t  sda ONLINE       0     0     0',
      '',
      "errors: 2 data errors, use '-v' for a list",
      '',
    ].join('\n');
    const [p] = parseZpoolStatus(text);
    expect(p?.scan).toMatchObject({ kind: 'scrub', state: 'canceled', time: 'Mon Nov 11 10:00:00 2024' });
    expect(p?.errors?.count).toBe(2);
    expect(p?.config.pool?.children.map((c) => c.name)).toEqual(['sda']);
  });

  it('reads "no pools available" and empty output as no pools', () => {
    expect(parseZpoolStatus('no pools available\n')).toEqual([]);
    expect(parseZpoolStatus('')).toEqual([]);
  });

  it('rejects truncated output and text that is not zpool status', () => {
    expectParseFailed(() => parseZpoolStatus(fixture('zfs', 'status-truncated.txt')), 'zpool-status', /cut short/);
    expectParseFailed(() => parseZpoolStatus(`${fixture('zfs', 'status-truncated.txt')}\n\nerrors: No known data errors\n`), 'zpool-status', /not a state/);
    const cut = fixture('zfs', 'status-nas-4pools.txt').split('errors: No known data errors')[0] ?? '';
    expectParseFailed(() => parseZpoolStatus(cut), 'zpool-status', /no errors: line/);
    expectParseFailed(() => parseZpoolStatus('cannot open pool\nsomething\n'), 'zpool-status', /not zpool status output/);
  });
});

describe('zpool-list parser', () => {
  it('reads -Hp output with exact bytes and nulls for -', () => {
    const pools = parseZpoolList(fixture('zfs', 'list-Hp-4pools.txt'));
    expect(pools.map((p) => p.name)).toEqual(['backup', 'fast', 'old', 'tank']);
    expect(pools[3]).toEqual({
      name: 'tank',
      sizeBytes: 47975461453824,
      allocBytes: 21591038885888,
      freeBytes: 26384422567936,
      checkpointBytes: null,
      expandSizeBytes: null,
      fragmentationPercent: 3,
      capacityPercent: 45,
      dedupRatio: 1,
      health: 'ONLINE',
      altroot: '/mnt',
      vdevs: [],
    });
    expect(pools[0]?.health).toBe('DEGRADED');
    expect(pools[0]?.capacityPercent).toBe(99);
  });

  it('reads the 10-column layout of releases without checkpoints', () => {
    const [p] = parseZpoolList('rpool\t1000\t400\t600\t-\t5\t40\t1.00\tONLINE\t-\n');
    expect(p).toMatchObject({ sizeBytes: 1000, checkpointBytes: null, fragmentationPercent: 5, capacityPercent: 40, health: 'ONLINE', altroot: null });
  });

  it('reads -Hv vdev rows into the pool', () => {
    const text = ['tank\t100\t40\t60\t-\t-\t1\t40\t1.00\tONLINE\t-', '\tmirror-0\t100\t40\t60\t-\t-\t1\t40\t-\tONLINE', '\t\tsda\t-\t-\t-\t-\t-\t-\t-\t-\tONLINE', ''].join('\n');
    const [p] = parseZpoolList(text);
    expect(p?.vdevs.map((v) => [v.name, v.health, v.sizeBytes])).toEqual([
      ['mirror-0', 'ONLINE', 100],
      ['sda', 'ONLINE', null],
    ]);
  });

  it('rejects non-numeric sizes and short rows', () => {
    expectParseFailed(() => parseZpoolList(fixture('zfs', 'list-garbage.txt')), 'zpool-list', /alloc is not a number/);
    expectParseFailed(() => parseZpoolList('tank\t1000\n'), 'zpool-list', /columns/);
  });
});

describe('zfs-list parser', () => {
  it('reads datasets, mountpoints with spaces, volumes without one', () => {
    const ds = parseZfsList(fixture('zfs', 'zfs-list-Hp.txt'));
    expect(ds).toHaveLength(6);
    expect(ds[2]).toEqual({
      name: 'tank/My Photos',
      pool: 'tank',
      usedBytes: 1099511627776,
      availableBytes: 18003921354752,
      referencedBytes: 1099511627776,
      mountpoint: '/mnt/tank/My Photos',
    });
    expect(ds[3]?.mountpoint).toBeNull();
    expect(ds[4]?.mountpoint).toBe('none');
    expect(ds[5]).toMatchObject({ pool: 'fast', mountpoint: 'legacy' });
  });

  it('reads empty output as no datasets and rejects garbage', () => {
    expect(parseZfsList('')).toEqual([]);
    expect(parseZfsList('no datasets available\n')).toEqual([]);
    expectParseFailed(() => parseZfsList('tank\t12K\t1\t1\t/tank\n'), 'zfs-list', /used is not a byte count/);
    expectParseFailed(() => parseZfsList('tank\t1\t1\n'), 'zfs-list', /expected 5 columns/);
  });
});
