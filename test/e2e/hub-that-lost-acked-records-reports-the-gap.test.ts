// A hub whose database lost records it had acknowledged (restored from an
// older backup, or replaced) must not skip that range silently: the agent
// resumes after what it deleted on ack, and the hub records a hub-side gap.
import { describe, it, expect, afterEach } from 'vitest';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../harness/processes.js';
import { startInProcessSite, type InProcessSite } from '../harness/site.js';

const TOKEN = 'restore-agent-token-0123456789ab';
let site: InProcessSite | undefined;
afterEach(async () => {
  await site?.close();
});

describe('hub restored from an older backup', () => {
  it('gets a hub-side gap for the acknowledged records it no longer has, then everything after it', async () => {
    site = await startInProcessSite({
      tmpPrefix: 'infra-restore-',
      agent: { id: 'lab', site: 'lab', token: TOKEN },
      hosts: [{ name: 'me', transport: 'local' }],
      reconnectDelayMs: { base: 50, max: 300 },
    });
    const { dir, agent } = site;
    // A "backup" of the hub database taken before any record arrived.
    await site.agentConnected(10_000);
    let hub = await site.restartHub(() => copyFileSync(join(dir, 'hub.db'), join(dir, 'hub-backup.db')));
    await site.agentConnected(10_000);

    for (const command of ['uptime', 'load_average', 'kernel_info']) await agent.service.collect('me', command, { source: 'cli' });
    const lastSeq = agent.store.outbox.lastSeq();
    await eventually(() => agent.store.outbox.stats().count === 0, 10_000, 'acked and deleted at the agent');
    expect(agent.store.outbox.ackedThrough()).toBe(lastSeq);

    // Restore the old hub database: it has never seen seqs 1..lastSeq.
    hub = await site.restartHub(() => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `hub.db${suffix}`), { force: true });
      copyFileSync(join(dir, 'hub-backup.db'), join(dir, 'hub.db'));
    });

    await agent.service.collect('me', 'uptime', { source: 'cli', forceRefresh: true });
    const newLast = agent.store.outbox.lastSeq();
    await eventually(() => hub.status().agents.some((a) => a.hwm === newLast), 15_000, 'the hub to catch up after the restore');
    const gaps = hub.db.prepare("SELECT source, reason, from_seq AS fromSeq, to_seq AS toSeq FROM gaps WHERE agent_id = 'lab'").all();
    expect(gaps).toEqual([{ source: 'hub', reason: 'hub_missing', fromSeq: 1, toSeq: lastSeq }]);
    const applied = hub.db.prepare("SELECT min(seq) AS lo, max(seq) AS hi FROM audit WHERE agent_id = 'lab'").get() as { lo: number; hi: number };
    expect(applied.lo).toBeGreaterThan(lastSeq);
    expect(applied.hi).toBe(newLast);
  }, 60_000);
});
