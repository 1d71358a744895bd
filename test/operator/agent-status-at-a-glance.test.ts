// `infra-agent status`: hosts, last success per command (age), errors with
// their codes, outbox backlog, the hub connection, and a summary line —
// through the built bin, and the formatter on states a test cannot wait for
// (a stale command, a connected link with acks).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { formatStatus, statusJson, type StatusData } from '../../packages/agent/src/cli/status-report.js';
import type { AuditRow } from '../../packages/agent/src/store/store-types.js';
import { agentCli, ensureBuilt, workspace } from './operator-support.js';

beforeAll(() => ensureBuilt(), 180_000);

const CONFIG = `site: lab
hosts:
  - name: me
    transport: local
  - name: nas
    address: 127.0.0.1
    port: 1
    privateKeyPath: ./no_such_key
    hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
userCommands:
  broken:
    template: "echo disk on fire >&2; exit 3"
storage: { path: agent.db }
`;

describe('infra-agent status (the bin)', () => {
  it('a summary line, one row per host, failing rows first with their codes, each distinct error once in full', () => {
    const ws = workspace({ 'agent.yaml': CONFIG });
    const collect = (host: string, command: string) => agentCli(['collect', '--config', ws.path('agent.yaml'), host, command]).code;
    expect(collect('me', 'uptime')).toBe(0);
    expect(collect('me', 'broken')).toBe(1);
    expect(collect('nas', 'uptime')).toBe(1);
    expect(collect('nas', 'load_average')).toBe(1);

    const r = agentCli(['status', '--config', ws.path('agent.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^site lab — database .*agent\.db \(epoch [0-9a-f]{8}…\)$/);
    // 2 hosts × (14 built-ins + broken) scheduled.
    expect(lines[1]).toBe('summary: 2 hosts, 30 commands: 1 ok, 3 failing, 26 not run yet');
    expect(lines[2]).toBe('hub: none configured (records stay in the outbox)');
    expect(lines[3]).toMatch(/^outbox: 5 records \(\d+\.\d KiB\) waiting for the hub, oldest \d+s ago; last seq 5$/);

    expect(r.stdout).toMatch(/^HOST +TARGET +OK +FAILING +NOTES$/m);
    expect(r.stdout).toMatch(/^me +local +1 +1 +13 not run yet, EXEC_NONZERO_EXIT ×1$/m);
    expect(r.stdout).toMatch(/^nas +infra@127\.0\.0\.1:1 +0 +2 +13 not run yet, SSH_KEY_READ_FAILED ×2$/m);

    const table = lines.slice(lines.findIndex((l) => /^HOST +COMMAND +STATE/.test(l)) + 1);
    expect(table.slice(0, 4).map((l) => l.split(/ +/).slice(0, 3).join(' '))).toEqual(['me broken FAILING', 'me uptime ok', 'nas load_average FAILING', 'nas uptime FAILING']);
    expect(table[0]).toMatch(/never +EXEC_NONZERO_EXIT \d+s ago$/);
    expect(table[1]).toMatch(/^me +uptime +ok +\d+s ago$/);
    expect(r.stdout).toContain('(26 scheduled commands not run yet: counted per host above, listed by --json)');

    // The same broken key on two commands is one line, with the whole message (what to do included).
    expect(r.stdout).toContain('errors (2 distinct, newest first):');
    expect(r.stdout).toMatch(/^ {2}SSH_KEY_READ_FAILED — nas: 2 commands, \d+s ago: ssh nas: private key .*no_such_key does not exist \(ENOENT\): create it .* or fix privateKeyPath/m);
    expect(r.stdout).toMatch(/^ {2}EXEC_NONZERO_EXIT — me\/broken, \d+s ago: broken on me exited with 3; stderr: "disk on fire"$/m);
    // Not a terminal: no colours.
    expect(r.stdout).not.toContain('\u001b[');

    const json = agentCli(['status', '--config', ws.path('agent.yaml'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout) as {
      summary: unknown;
      hosts: unknown[];
      commands: Array<{ host: string; command: string; state: string; lastErrorCode: string | null }>;
      outbox: { count: number };
      hub: unknown;
    };
    expect(s.summary).toEqual({ hosts: 2, commands: 30, ok: 1, failing: 3, stale: 0, notRun: 26 });
    expect(s.hosts).toEqual([
      { host: 'me', target: 'local', ok: 1, failing: 1, stale: 0, notRun: 13, errorCodes: { EXEC_NONZERO_EXIT: 1 } },
      { host: 'nas', target: 'infra@127.0.0.1:1', ok: 0, failing: 2, stale: 0, notRun: 13, errorCodes: { SSH_KEY_READ_FAILED: 2 } },
    ]);
    expect(s.commands.filter((c) => c.state === 'failing').map((c) => `${c.host}/${c.command} ${c.lastErrorCode}`)).toEqual([
      'me/broken EXEC_NONZERO_EXIT',
      'nas/load_average SSH_KEY_READ_FAILED',
      'nas/uptime SSH_KEY_READ_FAILED',
    ]);
    expect(s.outbox.count).toBe(5);
    expect(s.hub).toBeNull();
  }, 60_000);

  it('an empty database says so', () => {
    const ws = workspace({ 'agent.yaml': `site: lab\nhosts:\n  - { name: me, transport: local }\nstorage: { path: agent.db }\nschedule: { enabled: false }\n` });
    const r = agentCli(['status', '--config', ws.path('agent.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('summary: 1 host, 0 commands: 0 ok, 0 failing');
    expect(r.stdout).toContain('no collections recorded yet');
  });
});

describe('status formatting', () => {
  const NOW = 1_800_000_000_000;
  const ws = workspace({ 'agent.yaml': CONFIG });
  const config = loadConfigFile(ws.path('agent.yaml'));
  const audit = (host: string, command: string, timeMs: number, errorCode: string, errorMessage: string): AuditRow =>
    ({ host, command, timeMs, status: 'error', errorCode, errorMessage }) as unknown as AuditRow;
  const data = (over: Partial<StatusData> = {}): StatusData => ({
    site: 'lab',
    databasePath: '/var/lib/infra-agent/agent.db',
    epoch: '0123456789abcdef',
    nowMs: NOW,
    lastSuccesses: [
      { host: 'me', command: 'uptime', timeMs: NOW - 30_000, seq: 1 },
      // Every 5 minutes, last success 20 minutes ago: stale.
      { host: 'me', command: 'disk_usage', timeMs: NOW - 20 * 60_000, seq: 2 },
      // Failed once, then succeeded: recovered.
      { host: 'nas', command: 'uptime', timeMs: NOW - 10_000, seq: 3 },
    ],
    recentErrors: [audit('nas', 'uptime', NOW - 60_000, 'SSH_CONNECT_TIMEOUT', 'timed out'), audit('nas', 'zfs_pools', NOW - 5_000, 'EXEC_TIMEOUT', 'zpool hung')],
    outbox: {
      count: 0,
      bytes: 0,
      oldestSeq: null,
      newestSeq: null,
      oldestAgeMs: null,
      lastSeq: 42,
      overCapacity: false,
      droppedResultsTotal: 0,
      droppedBytesTotal: 0,
      gapRecordsTotal: 0,
      overCapacityPassesTotal: 0,
    },
    hub: {
      url: 'wss://hub.lan:7400/agent',
      link: {
        phase: 'connected',
        connected: true,
        url: 'wss://hub.lan:7400/agent',
        agentId: 'lab',
        lastAckSeq: 42,
        lastAckAtMs: NOW - 3_000,
        lastError: { code: 'HUB_UNREACHABLE', message: 'connection lost (1006, no close frame)', atMs: NOW - 2 * 3_600_000 },
        sinceMs: NOW - 90 * 60_000,
        updatedAtMs: NOW - 3_000,
      },
    },
    jobs: [
      { host: 'me', command: 'uptime', intervalMs: 5 * 60_000 },
      { host: 'me', command: 'disk_usage', intervalMs: 5 * 60_000 },
      { host: 'nas', command: 'uptime', intervalMs: 5 * 60_000 },
      { host: 'nas', command: 'zfs_pools', intervalMs: 10 * 60_000 },
    ],
    ...over,
  });

  it('shows the connected link with its last ack, stale and recovered commands, and colours failing rows on a terminal', () => {
    const text = formatStatus(config, data());
    expect(text.split('\n').slice(1, 4)).toEqual([
      'summary: 2 hosts, 4 commands: 2 ok, 1 failing, 1 stale',
      'hub: wss://hub.lan:7400/agent — connected since 1h 30m ago; hub has up to seq 42 (last ack 3s ago); earlier error HUB_UNREACHABLE 2h ago',
      'outbox: 0 records (0 B) waiting for the hub; last seq 42',
    ]);
    expect(text).toMatch(/^me +disk_usage +STALE +20m ago$/m);
    expect(text).toMatch(/^nas +zfs_pools +FAILING +never +EXEC_TIMEOUT 5s ago$/m);
    expect(text).toMatch(/^nas +uptime +ok +10s ago +SSH_CONNECT_TIMEOUT 1m ago \(recovered\)$/m);
    expect(text).toMatch(/^me +local +1 +0 +1 stale$/m);
    expect(text).toContain('  EXEC_TIMEOUT — nas/zfs_pools, 5s ago: zpool hung');
    expect(text).not.toContain('SSH_CONNECT_TIMEOUT —');

    const tty = formatStatus(config, data(), { color: true });
    const red = '\u001b[31m';
    expect(tty.split('\n').find((l) => l.includes('zfs_pools') && l.includes('FAILING'))).toMatch(new RegExp(`^\\u001b\\[31mnas +zfs_pools`));
    expect(tty.split('\n').find((l) => l.includes('disk_usage'))?.startsWith('\u001b[33m')).toBe(true);
    expect(tty.split('\n').find((l) => /^me +uptime/.test(l))).toBeDefined();
    expect(tty.split('\n')[1]?.startsWith('\u001b[1m' + red)).toBe(true);
  });

  it('a disconnected link says since when, why, and that records wait; JSON carries the same', () => {
    const d = data({
      hub: {
        url: 'wss://hub.lan:7400/agent',
        link: {
          phase: 'disconnected',
          connected: false,
          url: 'wss://hub.lan:7400/agent',
          agentId: 'lab',
          lastAckSeq: 40,
          lastAckAtMs: NOW - 600_000,
          lastError: { code: 'HUB_UNREACHABLE', message: 'unreachable (ECONNREFUSED): nothing is listening at 10.0.0.2:7400', atMs: NOW - 2_000 },
          sinceMs: NOW - 300_000,
          updatedAtMs: NOW - 2_000,
        },
      },
    });
    expect(formatStatus(config, d).split('\n')[2]).toBe(
      'hub: wss://hub.lan:7400/agent — DISCONNECTED since 5m ago; last error HUB_UNREACHABLE 2s ago: unreachable (ECONNREFUSED): nothing is listening at 10.0.0.2:7400; ' +
        'hub has up to seq 40 (last ack 10m ago); retrying, records wait in the outbox',
    );
    const json = statusJson(config, d) as { summary: unknown; commands: Array<{ command: string; host: string; state: string }> };
    expect(json.summary).toEqual({ hosts: 2, commands: 4, ok: 2, failing: 1, stale: 1, notRun: 0 });
    expect(json.commands.map((c) => `${c.host}/${c.command}=${c.state}`)).toEqual(['me/disk_usage=stale', 'me/uptime=ok', 'nas/uptime=ok', 'nas/zfs_pools=failing']);
  });
});
