// A hub whose database lost records it had acknowledged (restored from an
// older backup, or replaced) must not skip that range silently: the agent
// resumes after what it deleted on ack, and the hub records a hub-side gap.
import { describe, it, expect, afterEach } from 'vitest';
import { copyFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { composeAgent, type Agent } from '../../packages/agent/src/main.js';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { startHub, type Hub } from '../../packages/hub/src/main.js';
import { loadHubConfig } from '../../packages/hub/src/config/load-hub-config.js';
import { eventually } from '../harness/processes.js';

const TOKEN = 'restore-agent-token-0123456789ab';
const silent = pino({ level: 'silent' });
let hub: Hub | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  await agent?.shutdown();
  await hub?.close();
});

describe('hub restored from an older backup', () => {
  it('gets a hub-side gap for the acknowledged records it no longer has, then everything after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-restore-'));
    writeFileSync(
      join(dir, 'hub.yaml'),
      `listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: hub.db }
agents:
  - { id: lab, site: lab, token: ${TOKEN} }
subscribers: []
`,
    );
    const hubConfig = loadHubConfig(join(dir, 'hub.yaml'));
    hub = await startHub(hubConfig, silent);
    const port = hub.port;
    writeFileSync(
      join(dir, 'agent.yaml'),
      `site: lab
hosts:
  - { name: me, transport: local }
storage: { path: agent.db }
schedule: { jitterMs: 0, runOnStart: false }
hub:
  url: ws://127.0.0.1:${port}/agent
  token: ${TOKEN}
  insecure: true
  reconnectBaseDelayMs: 50
  reconnectMaxDelayMs: 300
`,
    );
    agent = composeAgent(loadConfigFile(join(dir, 'agent.yaml')), silent);
    agent.link?.start();
    // A "backup" of the hub database taken before any record arrived.
    await eventually(() => hub!.status().agents.some((a) => a.connected), 10_000, 'agent connected');
    await hub.close();
    copyFileSync(join(dir, 'hub.db'), join(dir, 'hub-backup.db'));
    const samePort = { ...hubConfig, listen: { ...hubConfig.listen, port } };
    hub = await startHub(samePort, silent);
    await eventually(() => hub!.status().agents.some((a) => a.connected), 10_000, 'agent reconnected');

    for (const command of ['uptime', 'load_average', 'kernel_info']) await agent.service.collect('me', command, { source: 'cli' });
    const lastSeq = agent.store.outbox.lastSeq();
    await eventually(() => agent!.store.outbox.stats().count === 0, 10_000, 'acked and deleted at the agent');
    expect(agent.store.outbox.ackedThrough()).toBe(lastSeq);

    // Restore the old hub database: it has never seen seqs 1..lastSeq.
    await hub.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `hub.db${suffix}`), { force: true });
    copyFileSync(join(dir, 'hub-backup.db'), join(dir, 'hub.db'));
    hub = await startHub(samePort, silent);

    await agent.service.collect('me', 'uptime', { source: 'cli', forceRefresh: true });
    const newLast = agent.store.outbox.lastSeq();
    await eventually(() => hub!.status().agents.some((a) => a.hwm === newLast), 15_000, 'the hub to catch up after the restore');
    const gaps = hub.db.prepare("SELECT source, reason, from_seq AS fromSeq, to_seq AS toSeq FROM gaps WHERE agent_id = 'lab'").all();
    expect(gaps).toEqual([{ source: 'hub', reason: 'hub_missing', fromSeq: 1, toSeq: lastSeq }]);
    const applied = hub.db.prepare("SELECT min(seq) AS lo, max(seq) AS hi FROM audit WHERE agent_id = 'lab'").get() as { lo: number; hi: number };
    expect(applied.lo).toBeGreaterThan(lastSeq);
    expect(applied.hi).toBe(newLast);
  }, 60_000);
});
