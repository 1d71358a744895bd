import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { isInfraError } from '@infrastructor/shared';
import { listContainersCommand, containerStatsCommand } from '../../src/registry/builtin/services-docker.js';
import { zfsPoolsCommand, zfsDatasetsCommand } from '../../src/registry/builtin/services-zfs.js';
import { makeStubHost, type StubHost } from './services-stub-host.js';
import type { ListContainersResult, ContainerStatsResult } from '../../src/registry/builtin/services-docker.js';
import type { ZfsPoolsResult, ZfsDatasetsResult } from '../../src/registry/builtin/services-zfs.js';

function expectExecFailed(fn: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (!isInfraError(thrown)) throw new Error(`expected an InfraError, got ${String(thrown)}`);
  expect(thrown.code).toBe('EXEC_NONZERO_EXIT');
  expect(thrown.message).toMatch(pattern);
}

describe('docker and zfs commands on a stub host', () => {
  let host: StubHost;
  beforeAll(() => {
    host = makeStubHost();
  });
  afterAll(() => host.cleanup());

  it('list_containers runs docker ps once and returns the containers', () => {
    const out = host.run(listContainersCommand, {});
    expect(out.exitCode).toBe(0);
    const r = listContainersCommand.parse(out) as ListContainersResult;
    expect(r.available).toBe(true);
    expect(r.containers.map((c) => c.names[0])).toEqual(['swag', 'media-worker-1', 'old-postgres', 'homeassistant', 'pihole']);
    expect(r.countsByState).toEqual({ running: 3, restarting: 1, exited: 1 });
    expect(host.calls('docker')).toEqual(['ps -a --no-trunc --format {{json .}}']);
  });

  it('container_stats makes ONE docker stats call for all containers', () => {
    const out = host.run(containerStatsCommand, {});
    const r = containerStatsCommand.parse(out) as ContainerStatsResult;
    expect(r.containers.map((c) => c.name)).toEqual(['swag', 'pihole', 'homeassistant', 'media-worker-1']);
    expect(r.containers[1]?.memoryUsedBytes).toBe(512 * 1024 ** 2);
    expect(host.calls('docker').filter((c) => c.startsWith('stats'))).toEqual(['stats --no-stream --no-trunc --format {{json .}}']);
  });

  it('a host without docker gives available: false, not an error', () => {
    const r = listContainersCommand.parse(host.run(listContainersCommand, {}, { bare: true })) as ListContainersResult;
    expect(r).toEqual({ available: false, reason: 'the docker CLI is not installed (not on PATH)', containers: [], countsByState: {} });
    const s = containerStatsCommand.parse(host.run(containerStatsCommand, {}, { bare: true })) as ContainerStatsResult;
    expect(s.available).toBe(false);
  });

  it('a docker that fails is EXEC_NONZERO_EXIT with its stderr', () => {
    const out = host.run(listContainersCommand, {}, { mode: 'fail' });
    expectExecFailed(() => listContainersCommand.parse(out), /ps exited with status 1: Cannot connect to the Docker daemon/);
  });

  it('zfs_pools joins zpool list and zpool status by pool name', () => {
    const r = zfsPoolsCommand.parse(host.run(zfsPoolsCommand, {})) as ZfsPoolsResult;
    expect(r.available).toBe(true);
    expect(r.pools.map((p) => [p.name, p.health, p.status?.state, p.capacityPercent])).toEqual([
      ['backup', 'DEGRADED', 'DEGRADED', 99],
      ['fast', 'ONLINE', 'ONLINE', 75],
      ['old', 'ONLINE', 'ONLINE', 50],
      ['tank', 'ONLINE', 'ONLINE', 45],
    ]);
    const backup = r.pools[0];
    expect(backup?.sizeBytes).toBe(3985729650688);
    expect(backup?.status?.scan).toMatchObject({ kind: 'resilver', state: 'in-progress', percentDone: 30.47 });
    expect(r.pools[3]?.status?.config.spares.map((v) => v.name)).toEqual(['wwn-0x5000c500a1b2c309']);
    expect(host.calls('zpool')).toEqual(['list -Hp', 'status']);
  });

  it('zfs_datasets reads zfs list', () => {
    const r = zfsDatasetsCommand.parse(host.run(zfsDatasetsCommand, {})) as ZfsDatasetsResult;
    expect(r.available).toBe(true);
    expect(r.datasets.map((d) => d.name)).toContain('tank/My Photos');
    expect(host.calls('zfs')).toEqual(['list -Hp -o name,used,avail,refer,mountpoint -t filesystem,volume']);
  });

  const realZpool = ['/usr/local/sbin/zpool', '/usr/sbin/zpool', '/sbin/zpool'].find((p) => existsSync(p));
  it.skipIf(realZpool !== undefined)(`a host without zpool gives available: false${realZpool ? ` (skipped: this machine has ${realZpool})` : ''}`, () => {
    const r = zfsPoolsCommand.parse(host.run(zfsPoolsCommand, {}, { bare: true })) as ZfsPoolsResult;
    expect(r).toEqual({ available: false, reason: 'zpool is not installed (no ZFS on this host)', pools: [] });
    const d = zfsDatasetsCommand.parse(host.run(zfsDatasetsCommand, {}, { bare: true })) as ZfsDatasetsResult;
    expect(d.available).toBe(false);
  });

  it('zpool without the kernel module is "not available"; any other zpool failure is an error', () => {
    const r = zfsPoolsCommand.parse(host.run(zfsPoolsCommand, {}, { mode: 'nomodule' })) as ZfsPoolsResult;
    expect(r).toEqual({ available: false, reason: 'zpool is installed but the ZFS kernel module is not loaded', pools: [] });
    const out = host.run(zfsPoolsCommand, {}, { mode: 'fail' });
    expectExecFailed(() => zfsPoolsCommand.parse(out), /list exited with status 1: internal error/);
  });

  it('truncated command output is PARSE_FAILED, not an empty result', () => {
    const out = host.run(listContainersCommand, {});
    const cut = out.stdout.slice(0, out.stdout.length - 40);
    expect(() => listContainersCommand.parse({ ...out, stdout: cut })).toThrow(/PARSE|end marker|not valid JSON/);
  });
});
