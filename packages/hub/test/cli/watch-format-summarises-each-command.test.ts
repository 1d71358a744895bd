// The readable `infra-hub watch` line for each kind of event, from fixture
// events shaped as the hub publishes them (docs/commands.md, docs/protocol.md).
import { describe, expect, it } from 'vitest';
import type { HubEvent } from '@infrastructor/shared';
import { describeEvent, eventTtyLine, formatSeconds, resultSummary, WHERE_WIDTH } from '../../src/cli/watch-format.js';

const T = new Date(2026, 0, 2, 14, 2, 7).getTime();

function event(kind: HubEvent['kind'], topic: string, data: unknown, timeMs = T): HubEvent {
  return { seq: 1, topic, topicSeq: 1, kind, timeMs, data };
}

/** A result event as the ingest publishes it: the result entry with the parsed output under data. */
function result(host: string, command: string, data: unknown, timeMs = T): HubEvent {
  return event('result', `site/lab/host/${host}/${command}`, { agentId: 'lab-agent', site: 'lab', host, command, params: {}, paramsHash: '', collectedAtMs: timeMs, durationMs: 12, bytes: 100, correlationId: 'c-1', data }, timeMs);
}

const summary = (command: string, data: unknown): { text: string; failed: boolean } => {
  const d = describeEvent(result('nas', command, data));
  return { text: d.summary, failed: d.failed };
};

describe('watch: one line per result, per command', () => {
  it('system_metrics: cpu, memory, load and uptime', () => {
    expect(
      summary('system_metrics', {
        cpuPercent: 6,
        cpuCount: 2,
        memory: { totalBytes: 25276514304, usedPercent: 2.18 },
        load: { load1: 2.16, load5: 2.65, load15: 1.77 },
        uptimeSeconds: 93_784,
      }),
    ).toEqual({ text: 'cpu 6.0% mem 2.2% load 2.16 2.65 1.77, up 1d 2h', failed: false });
    expect(summary('system_metrics', { cpuPercent: null, memory: {}, load: {} }).text).toBe('cpu ? mem ? load ? ? ?');
  });

  it('disk_usage: the fullest filesystem, red at 90% and above', () => {
    const fs = (mount: string, usedPercent: number | null, sizeBytes = 1e12) => ({ filesystem: '/dev/x', mount, usedPercent, sizeBytes, usedBytes: 1, availableBytes: 1, type: null });
    expect(summary('disk_usage', { filesystems: [fs('/', 22, 270553174016), fs('/srv', 71, 4e12), fs('/boot', null)], partial: false, warnings: [] })).toEqual({
      text: 'fullest /srv 71% of 3.6 TiB (3 filesystems)',
      failed: false,
    });
    expect(summary('disk_usage', { filesystems: [fs('/', 93, 1024 ** 3)], partial: true, warnings: ['df: /mnt/nfs: Stale file handle'] })).toEqual({
      text: 'fullest / 93% of 1.0 GiB (1 filesystem, partial)',
      failed: true,
    });
  });

  it('drive_health: the verdict, how many disks, and the first bad disk with its reasons', () => {
    const disk = (name: string, verdict: string, reasons: string[] = []) => ({ name, verdict, reasons, smart: 'available' });
    expect(summary('drive_health', { verdict: 'healthy', smartctlInstalled: true, disks: [disk('nvme0n1', 'healthy'), disk('sda', 'healthy')] })).toEqual({
      text: 'healthy, 2 disks',
      failed: false,
    });
    expect(
      summary('drive_health', {
        verdict: 'warning',
        smartctlInstalled: true,
        disks: [disk('nvme0n1', 'healthy'), disk('sdb', 'warning', ['1448 reallocated sectors', '24 pending sectors', '24 uncorrectable sectors']), disk('sdc', 'critical', ['SMART overall-health FAILED'])],
      }),
    ).toEqual({ text: 'warning, 3 disks; sdb: 1448 reallocated sectors, 24 pending sectors (+1 more)', failed: true });
    expect(summary('drive_health', { verdict: 'unknown', smartctlInstalled: false, disks: [] }).text).toBe('smartctl not installed (package smartmontools)');
  });

  it('network_interfaces: how many are up (loopback aside) and which are down', () => {
    const nic = (name: string, state: string) => ({ name, state, mtu: 1500, addresses: [] });
    expect(summary('network_interfaces', { interfaces: [nic('lo', 'UNKNOWN'), nic('eth0', 'UP'), nic('eth1', 'DOWN'), nic('wg0', 'UNKNOWN'), nic('br0', 'UP')], warnings: [] })).toEqual({
      text: '2/4 interfaces up (eth0, br0); down: eth1',
      failed: false,
    });
  });

  it('list_containers: running/total with the other states; restarting ones are red; no docker is said plainly', () => {
    const c = (state: string) => ({ id: 'x', names: ['x'], state });
    expect(summary('list_containers', { available: true, reason: null, containers: [c('running'), c('running'), c('exited')], countsByState: { running: 2, exited: 1 } })).toEqual({
      text: '2/3 running (1 exited)',
      failed: false,
    });
    expect(summary('list_containers', { available: true, reason: null, containers: [c('running'), c('restarting')], countsByState: { running: 1, restarting: 1 } })).toEqual({
      text: '1/2 running (1 restarting)',
      failed: true,
    });
    expect(summary('list_containers', { available: false, reason: 'the docker CLI is not installed (not on PATH)', containers: [], countsByState: {} }).text).toBe(
      'not available: the docker CLI is not installed (not on PATH)',
    );
  });

  it('container_stats: the container using the most CPU, and the most memory', () => {
    expect(
      summary('container_stats', {
        available: true,
        reason: null,
        containers: [
          { name: 'swag', cpuPercent: 0.52, memoryUsedBytes: 107479040 },
          { name: 'jellyfin', cpuPercent: 143.2, memoryUsedBytes: 512 * 1024 ** 2 },
          { name: 'pihole', cpuPercent: null, memoryUsedBytes: 2 * 1024 ** 3 },
        ],
      }).text,
    ).toBe('top cpu jellyfin 143.2%; top mem pihole 2.0 GiB (3 containers)');
    expect(summary('container_stats', { available: true, reason: null, containers: [] }).text).toBe('no running containers');
  });

  it('zfs_pools: health and capacity per pool, a running scrub; not ONLINE is red', () => {
    const pool = (name: string, health: string, capacityPercent: number, scan: unknown = { kind: 'scrub', state: 'finished' }) => ({ name, health, capacityPercent, status: { scan } });
    expect(summary('zfs_pools', { available: true, reason: null, pools: [pool('tank', 'ONLINE', 45), pool('backup', 'ONLINE', 12, { kind: 'scrub', state: 'in-progress', percentDone: 37.5 })] })).toEqual({
      text: 'tank ONLINE 45%, backup ONLINE 12% scrub 37.5%',
      failed: false,
    });
    expect(summary('zfs_pools', { available: true, reason: null, pools: [pool('tank', 'DEGRADED', 45)] })).toEqual({ text: 'tank DEGRADED 45%', failed: true });
    expect(summary('zfs_pools', { available: false, reason: 'zpool is not installed (no ZFS on this host)', pools: [] }).text).toBe(
      'not available: zpool is not installed (no ZFS on this host)',
    );
  });

  it('load_average, uptime (human), kernel_info, zfs_datasets', () => {
    expect(summary('load_average', { load1: 2.16, load5: 2.65, load15: 1.77, runningTasks: 6, totalTasks: 185, lastPid: 5130 }).text).toBe('load 2.16 2.65 1.77, 6/185 tasks running');
    expect(summary('uptime', { uptimeSeconds: 1394.01, idleSeconds: 1534.27 }).text).toBe('up 23m 14s');
    expect(summary('uptime', { uptimeSeconds: 3 * 86_400 + 4 * 3600 + 59 }).text).toBe('up 3d 4h');
    expect(summary('kernel_info', { kernelName: 'Linux', kernelRelease: '6.1.0-18-amd64', machine: 'x86_64', os: { prettyName: 'Debian GNU/Linux 12 (bookworm)' } }).text).toBe(
      'Linux 6.1.0-18-amd64 x86_64, Debian GNU/Linux 12 (bookworm)',
    );
    expect(summary('zfs_datasets', { available: true, reason: null, datasets: [{ name: 'tank/a' }, { name: 'tank/b' }] }).text).toBe('2 datasets');
  });

  it('systemd_services and the file commands: counts, failures red', () => {
    expect(
      summary('systemd_services', {
        available: true,
        units: [
          { unit: 'docker.service', active: 'active' },
          { unit: 'backup.service', active: 'failed' },
        ],
        counts: { total: 2, active: 1, failed: 1 },
      }),
    ).toEqual({ text: '1 active, 1 failed (backup.service)', failed: true });
    const file = (path: string, parseError: string | null = null) => ({ path, readError: null, parseError, hash: 'sha256:x', parsed: parseError ? null : { services: [{ name: 'a' }, { name: 'b' }] } });
    expect(summary('docker_compose', { existingDirs: ['/opt'], files: [file('/opt/a/compose.yaml'), file('/opt/b/compose.yaml', 'compose-file: invalid YAML')], truncated: false })).toEqual({
      text: '2 files, 2 services; 1 unreadable or invalid',
      failed: true,
    });
    expect(summary('proxy_configs', { existingDirs: [], files: [], truncated: false, routes: [] }).text).toBe('0 files, 0 routes');
  });

  it('anything else: its keys and size; the data itself (not wrapped) works too', () => {
    expect(summary('my_command', { a: 1, b: 'x' }).text).toBe('{a, b} 15 B');
    expect(resultSummary('df', [{ mount: '/' }, { mount: '/boot' }])).toBe('2 items, 33 B');
    // A built-in whose data has an unexpected shape falls back instead of throwing.
    expect(summary('disk_usage', 'weird').text).toBe('"weird"');
  });
});

describe('watch: agents, audits, changes, gaps', () => {
  const agent = (data: unknown) => describeEvent(event('agent', 'agents/lab/lab-agent', data), T + 10 * 60_000);

  it('agent status: connected with backlog, or DISCONNECTED since when, stale jobs by name', () => {
    expect(agent({ connected: true, version: '0.1.0', hwm: 120, replayLag: 0, outboxRecords: 0, outboxBytes: 0, oldestAgeMs: null, stale: [], agentStale: false })).toEqual({
      where: 'agent lab/lab-agent',
      summary: 'connected v0.1.0 hwm 120 outbox 0',
      failed: false,
    });
    expect(agent({ connected: true, version: '0.1.0', hwm: 120, replayLag: 340, outboxRecords: 340, outboxBytes: 2_500_000, oldestAgeMs: 95_000, stale: [], agentStale: false }).summary).toBe(
      'connected v0.1.0 hwm 120 lag 340 outbox 340 (2.4 MiB, oldest 1m 35s)',
    );
    const down = agent({
      connected: false,
      version: '0.1.0',
      hwm: 120,
      lastSeenMs: T,
      stale: [
        { host: 'nas', command: 'system_metrics' },
        { host: 'nas', command: 'disk_usage' },
      ],
      agentStale: true,
    });
    expect(down).toEqual({ where: 'agent lab/lab-agent', summary: 'DISCONNECTED (last seen 10m 0s ago) v0.1.0 hwm 120 2 stale jobs (nas/system_metrics, nas/disk_usage) STALE', failed: true });
  });

  it('audits: status, error code, duration, source and message; errors are failures', () => {
    const audit = (d: unknown) => describeEvent(event('audit', 'audit/lab/nas/drive_health', d));
    expect(audit({ status: 'success', durationMs: 1200, source: 'schedule', errorCode: null, errorMessage: null })).toEqual({
      where: 'audit lab/nas/drive_health',
      summary: 'success in 1200 ms (schedule)',
      failed: false,
    });
    expect(audit({ status: 'error', durationMs: 312, source: 'request', errorCode: 'SSH_AUTH_FAILED', errorMessage: 'ssh nas: the host rejected the key\nfor user infra' })).toEqual({
      where: 'audit lab/nas/drive_health',
      summary: 'error SSH_AUTH_FAILED after 312 ms (request): ssh nas: the host rejected the key for user infra',
      failed: true,
    });
  });

  it('changes: created / modified / deleted and the path; gaps: what was lost, always a failure', () => {
    const change = (c: string) => describeEvent(event('change', 'changes/lab/nas/docker_compose', { change: c, path: '/opt/stacks/web/compose.yaml' }));
    expect(['created', 'modified', 'deleted'].map((c) => change(c).summary)).toEqual([
      'created /opt/stacks/web/compose.yaml',
      'modified /opt/stacks/web/compose.yaml',
      'deleted /opt/stacks/web/compose.yaml',
    ]);
    expect(change('modified').where).toBe('change lab/nas/docker_compose');
    const gap = describeEvent(event('gap', 'agents/lab/lab-agent', { source: 'agent', reason: 'maxBytes', fromSeq: 10, toSeq: 19, droppedResults: 10, droppedBytes: 4096, detail: null }));
    expect(gap).toEqual({ where: 'gap lab/lab-agent', summary: '10 results dropped (4.0 KiB) seqs 10..19, maxBytes', failed: true });
  });
});

describe('watch: the terminal line', () => {
  it('time, the where column padded so summaries line up, failures red, old values marked with their age', () => {
    const ok = eventTtyLine(result('nas', 'uptime', { uptimeSeconds: 60 }), false);
    expect(ok).toBe(`14:02:07  ${'lab/nas/uptime'.padEnd(WHERE_WIDTH)}  up 1m 0s`);
    const audit = eventTtyLine(event('audit', 'audit/lab/nas/uptime', { status: 'error', errorCode: 'EXEC_TIMEOUT', durationMs: 10000 }), false);
    expect(audit.indexOf('error EXEC_TIMEOUT')).toBe(ok.indexOf('up 1m'));

    const red = eventTtyLine(event('audit', 'audit/lab/nas/uptime', { status: 'error', errorCode: 'EXEC_TIMEOUT', durationMs: 10000 }), true);
    expect(red.startsWith('\u001b[31m14:02:07')).toBe(true);
    expect(red).toContain('EXEC_TIMEOUT');
    expect(red.endsWith('\u001b[0m')).toBe(true);
    const dim = eventTtyLine(result('nas', 'uptime', { uptimeSeconds: 60 }), true);
    expect(dim.startsWith('\u001b[2m14:02:07\u001b[0m')).toBe(true);

    // A snapshot entry collected an hour ago says so; a fresh one does not.
    expect(eventTtyLine(result('nas', 'uptime', { uptimeSeconds: 60 }), false, T + 3_600_000)).toMatch(/up 1m 0s \(1h 0m old\)$/);
    expect(eventTtyLine(result('nas', 'uptime', { uptimeSeconds: 60 }), false, T + 30_000)).toMatch(/up 1m 0s$/);
  });

  it('formatSeconds', () => {
    expect([0, 59, 75, 3720, 93_784].map(formatSeconds)).toEqual(['0s', '59s', '1m 15s', '1h 2m', '1d 2h']);
  });
});
