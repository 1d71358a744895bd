// An operable system, end to end: three real OpenSSH hosts with different
// tool sets (a NAS with ZFS/SMART/systemd, a docker host with ~45 containers,
// compose files and SWAG confs, a plain VM with nothing stubbed) at two sites,
// one in-process agent per site streaming to one in-process hub, and one
// subscriber following `site/#`, `agents` and `changes`. Checks every
// host/command's result and values, on-demand requests per site (and a
// viewer refused), the hub's audit table against each agent's, a host going
// down (coded SSH errors, stale in the hub's status, the others staying
// fresh) and coming back, and file changes on a host arriving as events.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { encode, decode, parseHubToSubscriberMessage, type HubEvent } from '../../packages/shared/src/index.js';
import { composeAgent, type Agent } from '../../packages/agent/src/main.js';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { builtinCommands } from '../../packages/agent/src/registry/builtin/index.js';
import { startHub, type Hub } from '../../packages/hub/src/main.js';
import { loadHubConfig } from '../../packages/hub/src/config/load-hub-config.js';
import { requestCommand } from '../../packages/hub/src/cli/request.js';
import { e2eFixture, startSiteHosts, toolOnSessionPath, type SiteHost, type SiteHosts } from '../harness/site-hosts.js';
import { SKIP, suiteName } from '../ssh/support.js';

/** Result data, checked field by field. */
type Data = any;

const TOKENS = {
  home: 'home-agent-token-0123456789abcdef',
  office: 'office-agent-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
} as const;

/** Every scheduled built-in runs every 2 s (6-field cron, seconds first). */
const EVERY_2S = '*/2 * * * * *';
const STALE_GRACE_MS = 2000;
const SSH_DOWN_CODES = ['SSH_CONNECTION_REFUSED', 'SSH_CONNECTION_LOST', 'SSH_CONNECT_TIMEOUT', 'SSH_HOST_UNREACHABLE'];
const SITE_OF: Record<string, 'home' | 'office'> = { nas: 'home', 'docker-host': 'home', 'plain-vm': 'office' };
const AGENT_OF = { home: 'home-agent', office: 'office-agent' } as const;
const LOG_LEVEL = process.env.E2E_DEBUG ? 'debug' : 'silent';

// ---------------------------------------------------------------- helpers

/** Poll until `check` holds; on the deadline fail with `what` (and its details). */
async function until(check: () => boolean, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Replace a file the way editors and config tools do (write aside, rename
 * over), so a collection running at that moment reads the old or the new
 * content, never half of it. The hidden temp name matches no glob.
 */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

/** `work` or a clear failure after `ms` (teardown must never hang the run). */
async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      console.warn(`[e2e] ${what} did not finish within ${ms} ms`);
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Subscriber {
  ws: WebSocket;
  events: HubEvent[];
  errors: unknown[];
  /** The first snapshot arrived (the subscription is live). */
  ready(): boolean;
  /** Result events of a topic, in arrival (seq) order. */
  results(site: string, host: string, command: string): HubEvent[];
  latest(site: string, host: string, command: string): Data | undefined;
}

function subscribe(url: string, token: string, topics: string[]): Subscriber {
  const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${token}` } });
  const events: HubEvent[] = [];
  const errors: unknown[] = [];
  const byTopic = new Map<string, HubEvent[]>();
  let snapshots = 0;
  const add = (e: HubEvent): void => {
    events.push(e);
    const list = byTopic.get(e.topic) ?? [];
    list.push(e);
    byTopic.set(e.topic, list);
  };
  ws.on('message', (raw: Buffer) => {
    const m = parseHubToSubscriberMessage(decode(raw));
    if (m.t === 'events') m.events.forEach(add);
    else if (m.t === 'snapshot') {
      m.entries.forEach(add);
      snapshots += 1;
    } else if (m.t === 'error') errors.push(m);
  });
  ws.once('open', () => {
    ws.send(encode({ t: 'hello', protocol: 1, client: 'two-sites-e2e' }));
    ws.send(encode({ t: 'subscribe', topics }));
  });
  ws.on('error', (err) => errors.push(err));
  const results = (site: string, host: string, command: string): HubEvent[] =>
    (byTopic.get(`site/${site}/host/${host}/${command}`) ?? []).filter((e) => e.kind === 'result');
  return {
    ws,
    events,
    errors,
    ready: () => snapshots > 0,
    results,
    latest: (site, host, command) => results(site, host, command).at(-1)?.data as Data | undefined,
  };
}

/** What a host/command must come back as. */
type Outcome =
  | { kind: 'result'; check: (data: Data) => void }
  | { kind: 'error'; codes: string[] }
  | { kind: 'result-or-error'; codes: string[]; check: (data: Data) => void };

const memTotalBytes = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
const cpuCount = readFileSync('/proc/stat', 'utf8')
  .split('\n')
  .filter((l) => /^cpu\d+ /.test(l)).length;

/**
 * Tools whose absence gives `available: false`. When the machine has them,
 * what they do depends on it: `brokenHere` (e.g. a docker CLI without a
 * daemon socket) fails coded; otherwise data or a coded failure.
 */
function toolDependent(tool: string, missingReason: string, emptyKey: string, brokenHere = false): Outcome {
  if (brokenHere && toolOnSessionPath(tool)) return { kind: 'error', codes: ['EXEC_NONZERO_EXIT'] };
  if (!toolOnSessionPath(tool)) {
    return {
      kind: 'result',
      check: (d) => {
        expect(d).toMatchObject({ available: false, reason: missingReason });
        expect(d[emptyKey]).toEqual([]);
      },
    };
  }
  // Installed on this machine: a working tool gives data, a broken one (daemon down, no module) is coded.
  return { kind: 'result-or-error', codes: ['EXEC_NONZERO_EXIT'], check: (d) => expect(typeof d.available).toBe('boolean') };
}

/** Every enabled command of a host and what it must show. */
function outcomesFor(host: SiteHost): Map<string, Outcome> {
  const x = host.expected;
  const o = new Map<string, Outcome>();
  // /proc, uname, ip, df and lsblk are this machine's on every host.
  o.set('system_metrics', {
    kind: 'result',
    check: (d) => {
      expect(d.memory.totalBytes).toBe(memTotalBytes);
      expect(d.cpuCount).toBe(cpuCount);
      expect(d.processCount).toBeGreaterThan(1);
    },
  });
  o.set('load_average', { kind: 'result', check: (d) => expect(d.load1).toEqual(expect.any(Number)) });
  o.set('uptime', { kind: 'result', check: (d) => expect(d.uptimeSeconds).toBeGreaterThan(0) });
  o.set('kernel_info', {
    kind: 'result',
    check: (d) => expect(d).toMatchObject({ kernelName: 'Linux', kernelRelease: release(), hostname: hostname() }),
  });
  o.set('network_interfaces', {
    kind: 'result',
    check: (d) => {
      const lo = (d.interfaces as Data[]).find((i) => i.name === 'lo');
      expect(lo?.addresses.map((a: Data) => a.address)).toContain('127.0.0.1');
    },
  });
  o.set('disk_usage', { kind: 'result', check: (d) => expect((d.filesystems as Data[]).map((f) => f.mount)).toContain('/') });
  o.set('docker_compose', {
    kind: 'result',
    check: (d) => {
      expect((d.files as Data[]).map((f) => f.path).sort()).toEqual(x.composeFiles);
      expect(d.existingDirs).toEqual(x.composeFiles.length > 0 ? host.composeDirs : []);
      for (const f of d.files as Data[]) expect(f.parsed, f.path).not.toBeNull();
    },
  });
  o.set('proxy_configs', {
    kind: 'result',
    check: (d) => {
      expect((d.files as Data[]).map((f) => f.path).sort()).toEqual(x.proxyFiles);
      for (const f of d.files as Data[]) expect(f.parsed, f.path).not.toBeNull();
    },
  });

  if (host.profile === 'nas') {
    const smart = x.smartDevices!;
    o.set('zfs_pools', {
      kind: 'result',
      check: (d) => {
        expect(d.available).toBe(true);
        expect(Object.fromEntries((d.pools as Data[]).map((p) => [p.name, p.health]))).toEqual(x.pools);
        const backup = (d.pools as Data[]).find((p) => p.name === 'backup');
        expect(backup.status.scan).toMatchObject({ kind: 'resilver', state: 'in-progress' });
      },
    });
    o.set('zfs_datasets', {
      kind: 'result',
      check: (d) => expect((d.datasets as Data[]).map((s) => s.name)).toEqual(x.datasets),
    });
    o.set('drive_health', {
      kind: 'result',
      check: (d) => {
        expect(d.smartctlInstalled).toBe(true);
        expect((d.disks as Data[]).map((k) => k.name).sort()).toEqual(x.wholeDisks);
        for (const disk of d.disks as Data[]) expect(disk.verdict, disk.name).toBe(smart[disk.name]);
        // The first real disk answers as a disk with reallocated sectors.
        expect(d.verdict).toBe(x.wholeDisks.length > 0 ? 'warning' : 'unknown');
      },
    });
    o.set('systemd_services', {
      kind: 'result',
      check: (d) => {
        expect(d).toMatchObject({ available: true, source: 'json', missingUnits: [] });
        expect((d.units as Data[]).map((u) => u.unit)).toEqual(x.systemdUnits);
        expect((d.files as Data[]).map((f) => f.path).sort()).toEqual(x.unitFiles);
      },
    });
    o.set('smart_disk', {
      kind: 'result',
      check: (d) => expect(d.health.verdict).toBe(smart[Object.keys(smart)[0]!]),
    });
  } else {
    o.set('zfs_pools', toolDependent('zpool', 'zpool is not installed (no ZFS on this host)', 'pools'));
    o.set('zfs_datasets', toolDependent('zfs', 'zfs is not installed (no ZFS on this host)', 'datasets'));
    const smartctlHere = toolOnSessionPath('smartctl');
    o.set('drive_health', {
      kind: 'result',
      check: (d) => {
        expect(d.smartctlInstalled).toBe(smartctlHere);
        expect((d.disks as Data[]).map((k) => k.name).sort()).toEqual(x.wholeDisks);
        if (!smartctlHere) {
          for (const disk of d.disks as Data[]) expect(disk).toMatchObject({ smart: 'unavailable', verdict: 'unknown' });
          expect(d.verdict).toBe('unknown');
        }
      },
    });
    o.set('systemd_services', {
      kind: 'result',
      check: (d) => {
        // Real systemctl: data under systemd, available: false in a container or without systemctl.
        if (d.available === false) expect(d.reason).toMatch(/systemctl is not installed|systemd is not running as init/);
        expect(d.files).toEqual([]);
      },
    });
  }

  if (host.profile === 'docker-host') {
    const containers = x.containers!;
    const counts: Record<string, number> = {};
    for (const c of containers) counts[c.state] = (counts[c.state] ?? 0) + 1;
    o.set('list_containers', {
      kind: 'result',
      check: (d) => {
        expect(d.available).toBe(true);
        expect((d.containers as Data[]).map((c) => c.names[0]).sort()).toEqual(containers.map((c) => c.name).sort());
        expect(d.countsByState).toEqual(counts);
      },
    });
    o.set('container_stats', {
      kind: 'result',
      check: (d) => {
        expect(d.available).toBe(true);
        expect((d.containers as Data[]).map((c) => c.name).sort()).toEqual([...x.statsNames!].sort());
        const stats = new Map((d.containers as Data[]).map((c) => [c.name, c]));
        // 102.5MiB in docker's text; a restarting container prints "--" (null).
        expect(stats.get('swag').memoryUsedBytes).toBe(107_479_040);
        expect(stats.get('media-worker-1').memoryUsedBytes).toBeNull();
        for (const c of d.containers as Data[]) if (c.name !== 'media-worker-1') expect(c.memoryUsedBytes, c.name).toBeGreaterThan(0);
      },
    });
  } else if (host.profile === 'plain-vm') {
    // A docker CLI without a daemon (no socket) fails with docker's stderr, coded EXEC_NONZERO_EXIT.
    const noDaemon = process.env.DOCKER_HOST === undefined && !existsSync('/var/run/docker.sock');
    o.set('list_containers', toolDependent('docker', 'the docker CLI is not installed (not on PATH)', 'containers', noDaemon));
    o.set('container_stats', toolDependent('docker', 'the docker CLI is not installed (not on PATH)', 'containers', noDaemon));
  }
  return o;
}

function agentConfig(site: 'home' | 'office', hosts: SiteHost[], hubUrl: string, smartDefault: string | undefined): Record<string, unknown> {
  const commands = Object.fromEntries(builtinCommands.map((c) => [c.name, { schedule: EVERY_2S }]));
  const hostEntries = hosts.map((h) => h.agentHostEntry(h.profile === 'nas' || site === 'office' ? {} : { smart_disk: { enabled: false } }));
  return {
    site,
    hosts: hostEntries,
    commands,
    ...(site === 'home'
      ? {
          userCommands: {
            smart_disk: {
              description: 'SMART report of one device, through the catalogue parser',
              template: 'smartctl -j -a /dev/{{device}} || true',
              params: { device: { type: 'string', pattern: '[a-z][a-z0-9]{1,15}', default: smartDefault } },
              parser: 'smartctl',
              schedule: '0 * * * *',
              ttlMs: 0,
              timeoutMs: 10_000,
            },
          },
        }
      : {}),
    storage: { path: 'agent.db', synchronous: 'NORMAL' },
    limits: { globalConcurrency: 16, perHostConcurrency: 4, connectTimeoutMs: 5_000, shutdownTimeoutMs: 3_000 },
    schedule: { jitterMs: 0, runOnStart: true },
    hub: {
      url: `${hubUrl}/agent`,
      agentId: AGENT_OF[site],
      token: TOKENS[site],
      insecure: true,
      reconnectBaseDelayMs: 100,
      reconnectMaxDelayMs: 1_000,
      statusIntervalMs: 1_000,
    },
    log: { level: 'warn' },
  };
}

interface AuditRow {
  seq: number;
  time_ms: number;
  host: string;
  command: string;
  status: string;
  error_code: string | null;
  correlation_id: string;
}

// ---------------------------------------------------------------- the suite

describe.skipIf(SKIP)(suiteName('two sites, several real hosts, end to end'), () => {
  let dir: string;
  let hosts: SiteHosts;
  let hub: Hub;
  let sub: Subscriber;
  const agents: Partial<Record<'home' | 'office', Agent>> = {};
  const outcomes = new Map<string, Map<string, Outcome>>();

  const agentFor = (site: 'home' | 'office'): Agent => agents[site]!;
  const hubAudits = (agentId: string, sql = '', ...args: unknown[]): AuditRow[] =>
    hub.db.prepare(`SELECT seq, time_ms, host, command, status, error_code, correlation_id FROM audit WHERE agent_id = ? ${sql} ORDER BY seq`).all(agentId, ...args) as AuditRow[];
  const agentAudits = (site: 'home' | 'office', sql = '', ...args: unknown[]): AuditRow[] =>
    agentFor(site).store.db.prepare(`SELECT seq, time_ms, host, command, status, error_code, correlation_id FROM audit WHERE 1 = 1 ${sql} ORDER BY seq`).all(...args) as AuditRow[];
  const staleOf = (agentId: string): Array<{ host: string; command: string }> =>
    hub.status().agents.find((a) => a.agentId === agentId)?.stale ?? [];
  /** Scheduled every 2 s: the jobs that can go stale within the test. */
  const frequentJobs = (host: string): string[] => [...outcomes.get(host)!.keys()].filter((c) => c !== 'smart_disk');
  const hasResult = (host: string, command: string): boolean => sub.results(SITE_OF[host]!, host, command).length > 0;
  const hasErrorAudit = (host: string, command: string, codes: string[]): boolean =>
    hubAudits(AGENT_OF[SITE_OF[host]!], 'AND host = ? AND command = ? AND error_code IS NOT NULL', host, command).some((r) => codes.includes(r.error_code!));

  async function request(token: string, args: string[]): Promise<{ code: number; answer: Data; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await requestCommand(['--url', hub.url, '--token', token, '--json', '--timeout-ms', '20000', ...args], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      isTty: false,
    });
    const text = out.join('\n').trim();
    return { code, answer: text === '' ? undefined : JSON.parse(text), err: err.join('\n') };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'infra-two-sites-'));
    hosts = await startSiteHosts([
      { name: 'nas', profile: 'nas' },
      { name: 'docker-host', profile: 'docker-host' },
      { name: 'plain-vm', profile: 'plain-vm' },
    ]);
    for (const h of hosts.hosts) outcomes.set(h.name, outcomesFor(h));

    writeFileSync(
      join(dir, 'hub.yaml'),
      JSON.stringify(
        {
          listen: { host: '127.0.0.1', port: 0 },
          insecure: true,
          storage: { path: 'hub.db', synchronous: 'NORMAL' },
          agents: [
            { id: AGENT_OF.home, site: 'home', token: TOKENS.home },
            { id: AGENT_OF.office, site: 'office', token: TOKENS.office },
          ],
          subscribers: [
            { name: 'ops', role: 'operator', sites: ['home', 'office'], token: TOKENS.operator },
            { name: 'wall', role: 'viewer', sites: ['*'], token: TOKENS.viewer },
          ],
          limits: { staleGraceMs: STALE_GRACE_MS, staleCheckIntervalMs: 250, shutdownTimeoutMs: 2_000 },
          log: { level: 'warn' },
        },
        null,
        2,
      ),
    );
    hub = await startHub(loadHubConfig(join(dir, 'hub.yaml')), pino({ level: LOG_LEVEL }));

    // Subscribed before any agent connects: every event arrives live.
    sub = subscribe(hub.url, TOKENS.operator, ['site/#', 'agents', 'changes']);
    await until(() => sub.ready() || sub.errors.length > 0, 'the subscriber snapshot', 10_000);
    expect(sub.errors).toEqual([]);

    const smartDefault = Object.keys(hosts.get('nas').expected.smartDevices!)[0];
    for (const site of ['home', 'office'] as const) {
      const siteHosts = hosts.hosts.filter((h) => SITE_OF[h.name] === site);
      const configDir = mkdtempSync(join(dir, `agent-${site}-`));
      writeFileSync(join(configDir, 'agent.yaml'), JSON.stringify(agentConfig(site, siteHosts, hub.url, smartDefault), null, 2));
      const agent = composeAgent(loadConfigFile(join(configDir, 'agent.yaml')), pino({ level: LOG_LEVEL }).child({ site }));
      agents[site] = agent;
      agent.link!.start();
      agent.scheduler.start();
      agent.scheduler.kickoff(); // schedule.runOnStart, as `infra-agent run` does
    }
    await until(
      () => hub.status().agents.filter((a) => a.connected).length === 2,
      () => `both agents to connect: ${JSON.stringify(hub.status().agents.map((a) => [a.agentId, a.connected]))}`,
      15_000,
    );
  }, 60_000);

  afterAll(async () => {
    await bounded(Promise.allSettled(Object.values(agents).map((a) => a.shutdown())), 20_000, 'agent shutdown');
    sub?.ws.terminate();
    if (hub) await bounded(hub.close(), 10_000, 'hub close');
    if (hosts) await bounded(hosts.stopAll(), 10_000, 'sshd stop');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('schedules exactly the enabled commands of every host, per profile', () => {
    for (const site of ['home', 'office'] as const) {
      const jobs = agentFor(site).scheduler.status().map((j) => `${j.host}/${j.command}`).sort();
      const expected = hosts.hosts
        .filter((h) => SITE_OF[h.name] === site)
        .flatMap((h) => [...outcomes.get(h.name)!.keys()].map((c) => `${h.name}/${c}`))
        .sort();
      expect(jobs).toEqual(expected);
    }
    // nas: 12 built-ins (no docker) + smart_disk; docker-host and plain-vm: all 14 built-ins.
    expect(outcomes.get('nas')!.size).toBe(builtinCommands.length - 2 + 1);
    expect(outcomes.get('docker-host')!.size).toBe(builtinCommands.length);
    expect(outcomes.get('plain-vm')!.size).toBe(builtinCommands.length);
  });

  it('every host delivers every enabled command to the subscriber, with the right values', async () => {
    const pending = (): string[] => {
      const missing: string[] = [];
      for (const [host, cmds] of outcomes) {
        for (const [command, outcome] of cmds) {
          const ok =
            outcome.kind === 'result'
              ? hasResult(host, command)
              : outcome.kind === 'error'
                ? hasErrorAudit(host, command, outcome.codes)
                : hasResult(host, command) || hasErrorAudit(host, command, outcome.codes);
          if (!ok) missing.push(`${host}/${command}`);
        }
      }
      return missing;
    };
    await until(() => pending().length === 0, () => `a result (or coded error) of every host/command; missing: ${pending().join(', ')}`, 40_000);

    const seen: string[] = [];
    for (const [host, cmds] of outcomes) {
      const site = SITE_OF[host]!;
      for (const [command, outcome] of cmds) {
        const latest = sub.latest(site, host, command);
        if (outcome.kind === 'error' || (outcome.kind === 'result-or-error' && latest === undefined)) {
          // Never a result: every attempt failed with one of the expected codes, at the agent and the hub.
          expect(latest, `${host}/${command}`).toBeUndefined();
          const failures = agentAudits(site, 'AND host = ? AND command = ?', host, command);
          expect(failures.length, `${host}/${command}`).toBeGreaterThan(0);
          for (const f of failures) expect(outcome.codes, `${host}/${command}: ${f.error_code}`).toContain(f.error_code);
          seen.push(`${host}/${command}: ${failures[0]!.error_code}`);
          continue;
        }
        expect(latest, `${host}/${command}`).toMatchObject({ agentId: AGENT_OF[site], site, host, command });
        try {
          outcome.check(latest.data);
        } catch (err) {
          throw new Error(`${host}/${command}: ${(err as Error).message}\ndata: ${JSON.stringify(latest.data).slice(0, 2000)}`);
        }
        seen.push(`${host}/${command}: ${latest.data && typeof latest.data.available === 'boolean' ? `available=${latest.data.available}` : 'ok'}`);
      }
    }
    if (process.env.E2E_DEBUG) console.log(seen.join('\n'));

    // Both sites reach the one subscriber, in hub seq order, and both agents show as connected.
    const seqs = sub.events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const resultSites = new Set(sub.events.filter((e) => e.kind === 'result').map((e) => e.topic.split('/')[1]));
    expect([...resultSites].sort()).toEqual(['home', 'office']);
    for (const site of ['home', 'office'] as const) {
      const status = sub.events.filter((e) => e.kind === 'agent' && e.topic === `agents/${site}/${AGENT_OF[site]}`).at(-1);
      expect(status?.data, site).toMatchObject({ agentId: AGENT_OF[site], site, connected: true });
    }
  }, 60_000);

  it('runs on-demand requests through the hub on each site for an operator, and refuses a viewer', async () => {
    const docker = hosts.get('docker-host').expected;
    const askedAt = Date.now();
    const containers = await request(TOKENS.operator, ['--force', 'home', 'docker-host', 'list_containers']);
    expect(containers.code, containers.err).toBe(0);
    expect(containers.answer).toMatchObject({ ok: true, site: 'home', host: 'docker-host', command: 'list_containers' });
    // --force skips the cache: the data is collected after the request, by a run of its own ('success') or by
    // the scheduled run already in flight that it joins (single-flight, reported 'cached').
    expect(['success', 'cached']).toContain(containers.answer.status);
    expect(containers.answer.collectedAtMs).toBeGreaterThanOrEqual(askedAt);
    expect((containers.answer.data.containers as Data[]).map((c) => c.names[0]).sort()).toEqual(docker.containers!.map((c) => c.name).sort());

    const kernel = await request(TOKENS.operator, ['office', 'plain-vm', 'kernel_info']);
    expect(kernel.code, kernel.err).toBe(0);
    // kernel_info is fresh for an hour: without --force the agent answers from its cache.
    expect(kernel.answer).toMatchObject({ ok: true, site: 'office', host: 'plain-vm', status: 'cached', cacheHit: true, data: { kernelRelease: release() } });

    // The NAS's smartctl answers per device: one healthy, one with reallocated sectors.
    const smart = hosts.get('nas').expected.smartDevices!;
    const healthy = Object.keys(smart).find((d) => smart[d] === 'healthy')!;
    const warning = Object.keys(smart).find((d) => smart[d] === 'warning')!;
    for (const [device, verdict] of [[healthy, 'healthy'], [warning, 'warning']] as const) {
      const r = await request(TOKENS.operator, ['--param', `device=${device}`, 'home', 'nas', 'smart_disk']);
      expect(r.code, r.err).toBe(0);
      expect(r.answer.data.health.verdict, device).toBe(verdict);
      if (verdict === 'warning') expect(r.answer.data.reallocatedSectors).toBeGreaterThan(0);
    }

    // Each request ran once, as source 'request', under the correlation id it reported; the hub has the audit row.
    for (const [site, answer] of [['home', containers.answer], ['office', kernel.answer]] as const) {
      const rows = agentAudits(site, "AND source = 'request' AND correlation_id = ?", answer.correlationId);
      expect(rows.map((r) => [r.host, r.command, r.status]), site).toEqual([[answer.host, answer.command, answer.status]]);
      await until(() => hubAudits(AGENT_OF[site], 'AND correlation_id = ?', answer.correlationId).length === 1, `the ${site} request's audit row at the hub`, 10_000);
    }

    // Routing is per site: office's agent has no nas.
    const wrongSite = await request(TOKENS.operator, ['office', 'nas', 'uptime']);
    expect(wrongSite.code).toBe(1);
    expect(wrongSite.answer).toMatchObject({ ok: false, error: { code: 'HOST_UNKNOWN' } });

    // A viewer follows topics but may not run anything, on either site.
    const before = ['home', 'office'].map((s) => agentAudits(s as 'home' | 'office', "AND source = 'request'").length);
    for (const [site, host] of [['home', 'nas'], ['office', 'plain-vm']] as const) {
      const r = await request(TOKENS.viewer, [site, host, 'uptime']);
      expect(r.code, site).toBe(1);
      expect(r.answer, site).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(['home', 'office'].map((s) => agentAudits(s as 'home' | 'office', "AND source = 'request'").length)).toEqual(before);
  }, 60_000);

  it('turns config file edits on the docker host into change events on changes/…', async () => {
    const docker = hosts.get('docker-host');
    const changes = (host: string, command: string, fromIndex = 0): Data[] =>
      sub.events
        .slice(fromIndex)
        .filter((e) => e.kind === 'change' && e.topic === `changes/${SITE_OF[host]}/${host}/${command}`)
        .map((e) => e.data as Data);

    // The first run reported every file it read as created.
    await until(
      () =>
        changes('docker-host', 'proxy_configs').length >= docker.expected.proxyFiles.length &&
        changes('docker-host', 'docker_compose').length >= docker.expected.composeFiles.length &&
        changes('nas', 'systemd_services').length >= 1,
      'the change events of the first runs',
      10_000,
    );
    expect(changes('docker-host', 'docker_compose').map((c) => [c.path, c.change]).sort()).toEqual(docker.expected.composeFiles.map((p) => [p, 'created']));
    expect(changes('docker-host', 'proxy_configs').map((c) => [c.path, c.change]).sort()).toEqual(docker.expected.proxyFiles.map((p) => [p, 'created']));
    expect(changes('nas', 'systemd_services').map((c) => [c.path, c.change])).toEqual(hosts.get('nas').expected.unitFiles.map((p) => [p, 'created']));

    const composePath = join(docker.sshd.homeDir, 'stacks/media/compose.yaml');
    const confPath = join(docker.proxyDirs[0]!, 'uptime-kuma.subdomain.conf');
    const oldHash = (sub.latest('home', 'docker-host', 'docker_compose').data.files as Data[]).find((f) => f.path === composePath).hash;
    const mark = sub.events.length;
    const editedAt = Date.now();

    // The operator upgrades jellyfin and publishes a new service through SWAG.
    const compose = readFileSync(composePath, 'utf8');
    expect(compose).toContain('image: jellyfin/jellyfin:10.9.11');
    writeAtomically(composePath, compose.replace('image: jellyfin/jellyfin:10.9.11', 'image: jellyfin/jellyfin:10.10.3'));
    writeAtomically(confPath, e2eFixture('nginx/uptime-kuma.subdomain.conf'));

    await until(
      () => changes('docker-host', 'docker_compose', mark).length > 0 && changes('docker-host', 'proxy_configs', mark).length > 0,
      'change events for the edited compose file and the new proxy conf',
      15_000,
    );
    const [modified] = changes('docker-host', 'docker_compose', mark);
    expect(modified).toMatchObject({ agentId: 'home-agent', site: 'home', host: 'docker-host', command: 'docker_compose', path: composePath, change: 'modified', oldHash });
    expect(modified.newHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(modified.newHash).not.toBe(oldHash);
    const [created] = changes('docker-host', 'proxy_configs', mark);
    expect(created).toMatchObject({ path: confPath, change: 'created', oldHash: null, newHash: expect.stringMatching(/^sha256:/) });

    // The results after the edit carry the new content, with the hashes of the events.
    await until(
      () =>
        sub.results('home', 'docker-host', 'docker_compose').some((e) => (e.data as Data).collectedAtMs > editedAt) &&
        sub.results('home', 'docker-host', 'proxy_configs').some((e) => (e.data as Data).collectedAtMs > editedAt),
      'results collected after the edit',
      10_000,
    );
    const media = (sub.latest('home', 'docker-host', 'docker_compose').data.files as Data[]).find((f) => f.path === composePath);
    expect(media.hash).toBe(modified.newHash);
    expect((media.parsed.services as Data[]).find((s) => s.name === 'jellyfin').image).toBe('jellyfin/jellyfin:10.10.3');
    const proxy = sub.latest('home', 'docker-host', 'proxy_configs').data;
    expect((proxy.routes as Data[]).filter((r) => r.path === confPath).map((r) => r.upstream)).toEqual(['http://uptime-kuma:3001']);

    // Later runs of unchanged files report nothing more; the hub stored exactly these two changes.
    await until(
      () => sub.results('home', 'docker-host', 'docker_compose').filter((e) => (e.data as Data).collectedAtMs > editedAt).length >= 2,
      'a second docker_compose run after the edit',
      10_000,
    );
    // (two collections: their order depends on which ran first)
    const after = sub.events.slice(mark).filter((e) => e.kind === 'change').map((e) => [(e.data as Data).path as string, (e.data as Data).change as string]);
    expect(after.sort()).toEqual([[composePath, 'modified'], [confPath, 'created']].sort());
    const hubChanges = hub.db
      .prepare("SELECT path, change FROM changes WHERE agent_id = 'home-agent' AND detected_at_ms > ? ORDER BY seq")
      .all(editedAt) as Array<{ path: string; change: string }>;
    expect(hubChanges.map((c) => [c.path, c.change]).sort()).toEqual([[composePath, 'modified'], [confPath, 'created']].sort());
  }, 60_000);

  it('a host going down: coded SSH errors reach the hub, it goes stale while the others stay fresh, and comes back', async () => {
    const nas = hosts.get('nas');
    const nasJobs = frequentJobs('nas');
    expect(staleOf('home-agent').filter((s) => s.host === 'nas')).toEqual([]);
    const port = nas.sshd.port;

    await nas.sshd.kill();
    const killedAt = Date.now();

    // Every scheduled nas command fails, coded, in the agent's audit…
    const nasFailures = (): AuditRow[] => agentAudits('home', "AND host = 'nas' AND time_ms >= ?", killedAt);
    await until(
      () => nasJobs.every((c) => nasFailures().some((r) => r.command === c && r.error_code !== null)),
      () => `a coded failure of every nas command; have ${JSON.stringify([...new Set(nasFailures().map((r) => `${r.command}:${r.error_code}`))])}`,
      20_000,
    );
    const failures = nasFailures();
    for (const f of failures) {
      expect(f.status, `${f.command}`).toBe('error');
      expect(SSH_DOWN_CODES, `${f.command}: ${f.error_code}`).toContain(f.error_code);
    }
    expect(failures.map((f) => f.error_code)).toContain('SSH_CONNECTION_REFUSED');

    // …and the same rows reach the hub's audit table.
    await until(
      () => failures.every((f) => hubAudits('home-agent', 'AND correlation_id = ?', f.correlation_id).length === 1),
      'the nas failures in the hub audit table',
      10_000,
    );
    for (const f of failures) {
      const [row] = hubAudits('home-agent', 'AND correlation_id = ?', f.correlation_id);
      expect([row!.seq, row!.host, row!.command, row!.status, row!.error_code]).toEqual([f.seq, 'nas', f.command, 'error', f.error_code]);
    }

    // Once its data is older than 2 × 2 s + grace, every nas job is stale at the hub.
    const nasStale = (): string[] =>
      staleOf('home-agent')
        .filter((s) => s.host === 'nas')
        .map((s) => s.command)
        .sort();
    await until(() => nasStale().length === nasJobs.length, () => `every nas job to go stale; stale: ${nasStale().join(', ')}`, 20_000);
    expect(nasStale()).toEqual([...nasJobs].sort());
    await until(
      () => {
        const d = sub.events.filter((e) => e.kind === 'agent' && e.topic === 'agents/home/home-agent').at(-1)?.data as Data;
        return (d?.stale as Data[] | undefined)?.filter((s) => s.host === 'nas').length === nasJobs.length;
      },
      'an agents/home/home-agent event listing the stale nas jobs',
      5_000,
    );
    const agentEvent = sub.events.filter((e) => e.kind === 'agent' && e.topic === 'agents/home/home-agent').at(-1)!.data as Data;
    expect(agentEvent.connected).toBe(true);
    for (const s of (agentEvent.stale as Data[]).filter((x) => x.host === 'nas')) {
      expect(s.intervalMs).toBe(2_000);
      expect(s.lastCollectedAtMs, s.command).toBeLessThanOrEqual(killedAt);
    }

    // Meanwhile the other hosts keep delivering fresh results and nothing of theirs is stale.
    expect(staleOf('home-agent').filter((s) => s.host !== 'nas')).toEqual([]);
    for (const host of ['docker-host', 'plain-vm']) {
      for (const [command, outcome] of outcomes.get(host)!) {
        if (outcome.kind === 'error' || !hasResult(host, command)) continue; // never produces data on this machine
        expect(sub.results(SITE_OF[host]!, host, command).some((e) => (e.data as Data).collectedAtMs > killedAt), `${host}/${command} fresh`).toBe(true);
      }
    }
    expect(staleOf('office-agent').filter((s) => hasResult(s.host, s.command))).toEqual([]);

    // Back on the same address and port: results flow again and the stale set clears.
    await nas.sshd.restart();
    const restartedAt = Date.now();
    expect(nas.sshd.port).toBe(port);
    await until(
      () => nasJobs.every((c) => sub.results('home', 'nas', c).some((e) => (e.data as Data).collectedAtMs >= restartedAt)),
      () => `fresh results of every nas command; missing: ${nasJobs.filter((c) => !sub.results('home', 'nas', c).some((e) => (e.data as Data).collectedAtMs >= restartedAt)).join(', ')}`,
      20_000,
    );
    await until(() => nasStale().length === 0, () => `the nas stale set to clear; stale: ${nasStale().join(', ')}`, 10_000);
    await until(
      () => {
        const d = sub.events.filter((e) => e.kind === 'agent' && e.topic === 'agents/home/home-agent').at(-1)?.data as Data;
        return (d?.stale as Data[] | undefined)?.some((s) => s.host === 'nas') === false;
      },
      'an agents/home/home-agent event without stale nas jobs',
      5_000,
    );
    const nasFresh = agentAudits('home', "AND host = 'nas' AND time_ms >= ? AND status = 'success'", killedAt);
    expect(new Set(nasFresh.map((r) => r.command)).size).toBeGreaterThanOrEqual(nasJobs.length);
    const pools = outcomes.get('nas')!.get('zfs_pools')!;
    if (pools.kind === 'result') pools.check(sub.latest('home', 'nas', 'zfs_pools').data);
  }, 90_000);

  it('the hub holds the audit row of every collection each agent made, in seq order', async () => {
    const compare = (site: 'home' | 'office', upToSeq: number): void => {
      const agent = agentFor(site);
      const mine = agentAudits(site, 'AND seq <= ?', upToSeq);
      const theirs = hub.db
        .prepare('SELECT seq, time_ms, host, command, status, error_code, correlation_id FROM audit WHERE agent_id = ? AND epoch = ? AND seq <= ? ORDER BY seq')
        .all(AGENT_OF[site], agent.store.epoch, upToSeq) as AuditRow[];
      expect(theirs.length, site).toBe(mine.length);
      expect(theirs.map((r) => r.correlation_id), site).toEqual(mine.map((r) => r.correlation_id));
      expect(theirs, site).toEqual(mine);
    };
    // While collecting: everything the hub has committed matches the agent's rows.
    for (const site of ['home', 'office'] as const) compare(site, hub.board.get(AGENT_OF[site])!.hwm);

    // Stop collecting, let the outboxes drain, and compare everything.
    await Promise.all(Object.values(agents).map((a) => a.scheduler.stop()));
    await until(() => Object.values(agents).every((a) => a.service.inflightCount === 0), 'running collections to finish', 20_000);
    await until(
      () => Object.values(agents).every((a) => a.store.outbox.stats().count === 0),
      () => `the outboxes to drain: ${JSON.stringify(Object.values(agents).map((a) => a.store.outbox.stats().count))}`,
      20_000,
    );
    for (const site of ['home', 'office'] as const) {
      const all = agentAudits(site);
      // Several rounds of every job of the site, plus the requests.
      const jobs = [...outcomes].filter(([host]) => SITE_OF[host] === site).reduce((n, [, cmds]) => n + cmds.size, 0);
      expect(all.length, site).toBeGreaterThan(2 * jobs);
      compare(site, Number.MAX_SAFE_INTEGER);
      expect(hub.board.get(AGENT_OF[site])!.hwm, site).toBeGreaterThanOrEqual(all.at(-1)!.seq);
    }
    expect((hub.db.prepare('SELECT count(*) AS n FROM gaps').get() as { n: number }).n).toBe(0);
  }, 60_000);
});
