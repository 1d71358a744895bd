// End to end: a real OpenSSH host → agent (composed as in main.ts, with its
// hub link) → real hub (WebSocket, SQLite) → a subscriber, plus on-demand
// requests relayed through the hub and a viewer refused.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { pino } from 'pino';
import WebSocket from 'ws';
import { encode, decode, parseHubToSubscriberMessage, type HubEvent } from '../../packages/shared/src/index.js';
import type { Agent } from '../../packages/agent/src/main.js';
import type { Hub } from '../../packages/hub/src/main.js';
import { requestCommand } from '../../packages/hub/src/cli/request.js';
import { startSshd, type SshdHandle } from '../harness/sshd.js';
import { startInProcessSite, type InProcessSite } from '../harness/site.js';
import { SKIP, suiteName } from '../ssh/support.js';
import { stubTools } from '../integration/stub-tools.js';

const AGENT_TOKEN = 'agent-token-0123456789abcdef';
const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';

function subscriber(url: string, token: string) {
  const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${token}` } });
  const events: HubEvent[] = [];
  const messages: unknown[] = [];
  ws.on('message', (data: Buffer) => {
    const m = parseHubToSubscriberMessage(decode(data));
    messages.push(m);
    if (m.t === 'events') events.push(...m.events);
    if (m.t === 'snapshot') events.push(...m.entries);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    events,
    messages,
    async subscribe(topics: string[]) {
      await opened;
      ws.send(encode({ t: 'hello', protocol: 1, client: 'e2e' }));
      ws.send(encode({ t: 'subscribe', topics }));
    },
    send(m: unknown) {
      ws.send(encode(m));
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTty: false }, out, err };
}

describe.skipIf(SKIP)(suiteName('agent → hub → subscriber, end to end'), () => {
  let sshd: SshdHandle;
  let site: InProcessSite | undefined;
  let hub: Hub;
  let agent: Agent;

  beforeAll(async () => {
    sshd = await startSshd({ stubs: stubTools() });
    const logger = () => pino({ level: process.env.E2E_DEBUG ? 'debug' : 'silent' });
    site = await startInProcessSite({
      tmpPrefix: 'infra-e2e-',
      agent: { id: 'lab-agent', site: 'lab', token: AGENT_TOKEN },
      subscribers: [
        { name: 'ops', role: 'operator', sites: ['lab'], token: OPERATOR_TOKEN },
        { name: 'wall', role: 'viewer', sites: ['*'], token: VIEWER_TOKEN },
      ],
      hosts: [
        { name: 'nas', address: sshd.address, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, hostKey: sshd.hostKeyFingerprint },
      ],
      reconnectDelayMs: { base: 100, max: 1000 },
      hubLogger: logger(),
      agentLogger: logger(),
    });
    ({ hub, agent } = site);
    await site.agentConnected();
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    await sshd?.stop();
  });

  it('a scheduled collection on the SSH host reaches a subscriber as a result event', async () => {
    const sub = subscriber(hub.url, VIEWER_TOKEN);
    await sub.subscribe(['site/*/host/*/list_containers', 'site/lab/host/nas/system_metrics']);
    expect(agent.scheduler.trigger('nas', 'list_containers')).toBe(true);
    expect(agent.scheduler.trigger('nas', 'system_metrics')).toBe(true);
    await until(() => sub.events.filter((e) => e.kind === 'result').length >= 2, 'two result events');
    const topics = sub.events.filter((e) => e.kind === 'result').map((e) => e.topic).sort();
    expect(topics).toEqual(['site/lab/host/nas/list_containers', 'site/lab/host/nas/system_metrics']);
    const containers = sub.events.find((e) => e.topic.endsWith('list_containers'));
    expect(JSON.stringify(containers?.data)).toContain('old-postgres');
    const seqs = sub.events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    sub.ws.close();
  }, 60_000);

  it('an operator request round-trips through the hub to the agent and back, and lands in state', async () => {
    const watcher = subscriber(hub.url, VIEWER_TOKEN);
    await watcher.subscribe(['site/lab/host/nas/kernel_info']);
    const { io, out, err } = captureIo();
    const code = await requestCommand(['--url', hub.url, '--token', OPERATOR_TOKEN, '--json', 'lab', 'nas', 'kernel_info'], io);
    expect(code, err.join('\n')).toBe(0);
    const answer = JSON.parse(out.join('\n')) as { ok: boolean; site: string; host: string; command: string; data: unknown };
    expect(answer).toMatchObject({ ok: true, site: 'lab', host: 'nas', command: 'kernel_info' });
    expect(JSON.stringify(answer.data)).toContain('kernelRelease');
    // The same collection is stored, streamed and fanned out like a scheduled one.
    await until(() => watcher.events.some((e) => e.kind === 'result' && e.topic === 'site/lab/host/nas/kernel_info'), 'kernel_info in state');
    const audits = agent.store.db.prepare("SELECT count(*) AS n FROM audit WHERE source = 'request' AND command = 'kernel_info'").get() as { n: number };
    expect(audits.n).toBe(1);
    watcher.ws.close();
  }, 60_000);

  it('refuses a viewer, bad parameters and an unknown host with coded errors, running nothing', async () => {
    const before = (agent.store.db.prepare("SELECT count(*) AS n FROM audit WHERE source = 'request'").get() as { n: number }).n;
    const viewer = captureIo();
    expect(await requestCommand(['--url', hub.url, '--token', VIEWER_TOKEN, 'lab', 'nas', 'uptime'], viewer.io)).toBe(1);
    expect(viewer.err.join('\n')).toMatch(/FORBIDDEN/);
    const unknown = captureIo();
    expect(await requestCommand(['--url', hub.url, '--token', OPERATOR_TOKEN, 'lab', 'nope', 'uptime'], unknown.io)).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/HOST_UNKNOWN/);
    const badParam = captureIo();
    expect(
      await requestCommand(['--url', hub.url, '--token', OPERATOR_TOKEN, '--param', 'sampleMs=1;reboot', 'lab', 'nas', 'system_metrics'], badParam.io),
    ).toBe(1);
    expect(badParam.err.join('\n')).toMatch(/PARAM_INVALID/);
    const after = (agent.store.db.prepare("SELECT count(*) AS n FROM audit WHERE source = 'request' AND status = 'success'").get() as { n: number }).n;
    expect(after).toBe(before);
  }, 60_000);

  it('has the audit rows of every collection at the hub', async () => {
    await until(() => agent.store.outbox.stats().count === 0, 'the outbox to drain');
    const agentAudits = (agent.store.db.prepare('SELECT correlation_id FROM audit ORDER BY seq').all() as Array<{ correlation_id: string }>).map((r) => r.correlation_id);
    const hubAudits = (hub.db.prepare("SELECT correlation_id FROM audit WHERE agent_id = 'lab-agent' ORDER BY seq").all() as Array<{ correlation_id: string }>).map((r) => r.correlation_id);
    expect(hubAudits).toEqual(agentAudits);
  }, 30_000);
});
