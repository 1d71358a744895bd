// The whole collection side, as main.ts composes it, against a real OpenSSH
// sshd: config file → registry → SSH pool → scripts → parsers → cache →
// SQLite (latest, history, audit, outbox) → change events.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { composeAgent, type Agent } from '../../packages/agent/src/main.js';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { decode } from '../../packages/shared/src/codec.js';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { SKIP, suiteName } from '../ssh/support.js';
import { stubTools, fixtureText } from './stub-tools.js';

const PROXY_DIR = 'swag/proxy-confs';
const COMPOSE_DIR = 'stacks';

describe.skipIf(SKIP)(suiteName('agent collecting over real SSH'), () => {
  let sshd: SshdHandle;
  let agent: Agent;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd({
      stubs: stubTools(),
      files: {
        [`${PROXY_DIR}/jellyfin.subdomain.conf`]: fixtureText('nginx/swag-jellyfin.subdomain.conf'),
        [`${COMPOSE_DIR}/media/compose.yaml`]: fixtureText('compose/media-stack.compose.yaml'),
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'infra-int-'));
    const configPath = join(dir, 'agent.yaml');
    writeFileSync(
      configPath,
      `site: lab
hosts:
${sshd.hostYaml('nas')}
commands:
  proxy_configs:
    params: { dirs: ["${sshd.homeDir}/${PROXY_DIR}"] }
  docker_compose:
    params: { dirs: ["${sshd.homeDir}/${COMPOSE_DIR}"] }
storage:
  path: agent.db
schedule:
  jitterMs: 0
`,
    );
    agent = composeAgent(loadConfigFile(configPath), pino({ level: 'silent' }));
  }, 60_000);

  afterAll(async () => {
    await agent?.shutdown();
    await sshd?.stop();
  });

  it('collects every built-in command over one pooled connection with real values', async () => {
    const names = agent.registry.list().map((c) => c.name);
    const results = new Map<string, unknown>();
    for (const name of names) {
      const r = await agent.service.collect('nas', name, { source: 'cli' });
      expect(r.status, name).toBe('success');
      results.set(name, r.data);
    }
    const metrics = results.get('system_metrics') as { memory: { totalBytes: number }; processCount: number };
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(metrics.memory.totalBytes).toBe(memTotalKb * 1024);
    expect(metrics.processCount).toBeGreaterThan(1);

    const net = results.get('network_interfaces') as { interfaces: Array<{ name: string; addresses: Array<{ address: string }> }> };
    expect(net.interfaces.find((i) => i.name === 'lo')?.addresses.map((a) => a.address)).toContain('127.0.0.1');

    expect(JSON.stringify(results.get('list_containers'))).toContain('old-postgres');
    expect(JSON.stringify(results.get('container_stats'))).toMatch(/memoryUsedBytes/);
    expect(JSON.stringify(results.get('drive_health'))).toMatch(/"warning"/);
    expect(JSON.stringify(results.get('zfs_pools'))).toMatch(/DEGRADED|ONLINE/);
    expect(JSON.stringify(results.get('proxy_configs'))).toContain('jellyfin');
    expect(JSON.stringify(results.get('docker_compose'))).toContain('compose.yaml');

    const stats = agent.pool.stats();
    expect(stats.connectionsOpened).toBe(1);
    expect(stats.connectionsReused).toBeGreaterThanOrEqual(names.length - 1);
  }, 120_000);

  it('stores latest results, an audit row per call and outbox records with increasing seqs', async () => {
    const db = agent.store.db;
    const audits = db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number };
    expect(audits.n).toBeGreaterThanOrEqual(agent.registry.list().length);
    const seqs = (db.prepare('SELECT seq FROM outbox ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
    expect(seqs.length).toBeGreaterThan(0);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    const kinds = db.prepare('SELECT kind, count(*) AS n FROM outbox GROUP BY kind').all() as Array<{ kind: string; n: number }>;
    expect(Object.fromEntries(kinds.map((k) => [k.kind, k.n]))).toMatchObject({ result: expect.any(Number), audit: expect.any(Number), change: expect.any(Number) });
  });

  it('serves a second call within the TTL from cache and audits it as cached', async () => {
    const r = await agent.service.collect('nas', 'list_containers', { source: 'request' });
    expect(r).toMatchObject({ status: 'cached', cacheHit: true });
    const row = agent.store.db.prepare("SELECT status, cache_hit FROM audit WHERE source = 'request' ORDER BY seq DESC LIMIT 1").get();
    expect(row).toEqual({ status: 'cached', cache_hit: 1 });
  });

  it('emits modified and created change events when files on the host change', async () => {
    const conf = join(sshd.homeDir, PROXY_DIR, 'jellyfin.subdomain.conf');
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\n# edited by the operator\n`);
    writeFileSync(join(sshd.homeDir, PROXY_DIR, 'grafana.subfolder.conf'), fixtureText('nginx/swag-grafana.subfolder.conf'));
    const r = await agent.service.collect('nas', 'proxy_configs', { source: 'schedule' });
    expect(r.changes.map((c) => [c.path.split('/').pop(), c.change])).toEqual([
      ['grafana.subfolder.conf', 'created'],
      ['jellyfin.subdomain.conf', 'modified'],
    ]);
    const changes = agent.store.db.prepare("SELECT payload FROM outbox WHERE kind = 'change' ORDER BY seq DESC LIMIT 2").all() as Array<{ payload: Buffer }>;
    const decoded = changes.map((c) => decode(c.payload) as { change: string; path: string });
    expect(decoded.map((d) => d.change).sort()).toEqual(['created', 'modified']);
  });

  it('reports a bad parameter with a code and runs nothing', async () => {
    const before = agent.pool.stats().channelsActive;
    await expect(
      agent.service.collect('nas', 'proxy_configs', { source: 'request', params: { dirs: '/tmp; touch /tmp/pwned' } }),
    ).rejects.toMatchObject({ code: 'PARAM_INVALID' });
    expect(agent.pool.stats().channelsActive).toBe(before);
  });
});
