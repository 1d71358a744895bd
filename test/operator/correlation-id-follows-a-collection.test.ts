// One correlationId follows a collection across the system: an on-demand
// request (subscriber → hub relay → agent → hub ingest → the requester's
// answer) and a scheduled run (agent → hub ingest). Hub and agent are
// composed in-process as main.ts does, each with a pino logger captured
// into an array of JSON lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { composeAgent, type Agent } from '../../packages/agent/src/main.js';
import { loadConfigFile } from '../../packages/agent/src/config/load-config.js';
import { startHub, type Hub } from '../../packages/hub/src/main.js';
import { loadHubConfig } from '../../packages/hub/src/config/load-hub-config.js';
import { requestCommand } from '../../packages/hub/src/cli/request.js';
import { eventually } from '../harness/processes.js';

const AGENT_TOKEN = 'agent-token-0123456789abcdef';
const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';

interface Line {
  level: number;
  event?: string;
  correlationId?: string;
  [key: string]: unknown;
}

function capturedLogger(level: string): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { logger, lines };
}

describe('correlationId', () => {
  let hub: Hub;
  let agent: Agent;
  const hubLog = capturedLogger('debug');
  const agentLog = capturedLogger('debug');

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-correlation-'));
    writeFileSync(
      join(dir, 'hub.yaml'),
      `listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: hub.db }
agents:
  - { id: lab-agent, site: lab, token: ${AGENT_TOKEN} }
subscribers:
  - { name: ops, role: operator, sites: [lab], token: ${OPERATOR_TOKEN} }
`,
    );
    hub = await startHub(loadHubConfig(join(dir, 'hub.yaml')), hubLog.logger);
    writeFileSync(
      join(dir, 'agent.yaml'),
      `site: lab
hosts:
  - name: me
    transport: local
storage: { path: agent.db }
schedule: { jitterMs: 0, runOnStart: false }
hub:
  url: ${hub.url}/agent
  agentId: lab-agent
  token: ${AGENT_TOKEN}
  insecure: true
  reconnectBaseDelayMs: 100
  reconnectMaxDelayMs: 1000
`,
    );
    agent = composeAgent(loadConfigFile(join(dir, 'agent.yaml')), agentLog.logger);
    agent.link?.start();
    await eventually(() => hub.status().agents.some((a) => a.agentId === 'lab-agent' && a.connected), 20_000, 'the agent to connect');
  }, 60_000);

  afterAll(async () => {
    await agent?.shutdown();
    await hub?.close();
  });

  const withId = (lines: Line[], id: string): Line[] => lines.filter((l) => l.correlationId === id);

  it("an on-demand request: the same id in the requester's answer, the hub's relay lines, the agent's lines and the hub's ingest lines", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await requestCommand(['--url', hub.url, '--token', OPERATOR_TOKEN, '--json', '--force', 'lab', 'me', 'uptime'], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      isTty: false,
    });
    expect(code, err.join('\n')).toBe(0);
    const answer = JSON.parse(out.join('\n')) as { ok: boolean; correlationId: string; status: string };
    expect(answer).toMatchObject({ ok: true, status: 'success' });
    const id = answer.correlationId;
    expect(id).toMatch(/^[\w.:-]{8,}$/);

    // The agent: the request arrives, the collection runs and is logged, all with the id.
    expect(withId(agentLog.lines, id).map((l) => l.event)).toEqual(expect.arrayContaining(['hub_request_received', 'collection_succeeded']));
    expect(withId(agentLog.lines, id).find((l) => l.event === 'collection_succeeded')).toMatchObject({ source: 'request', host: 'me', command: 'uptime' });

    // The hub: relayed (info), sent to the agent (debug), answered (info) — and its records applied (debug), once the outbox drained.
    await eventually(() => agent.store.outbox.stats().count === 0, 20_000, 'the outbox to drain');
    await eventually(() => withId(hubLog.lines, id).filter((l) => l.event === 'record_applied').length >= 2, 10_000, 'the hub to apply the records');
    const hubLines = withId(hubLog.lines, id);
    expect(hubLines.map((l) => l.event)).toEqual(expect.arrayContaining(['subscriber_collect_relayed', 'collect_sent', 'collect_answered', 'record_applied']));
    expect(hubLines.find((l) => l.event === 'subscriber_collect_relayed')).toMatchObject({ level: 30, site: 'lab', host: 'me', command: 'uptime' });
    expect(hubLines.find((l) => l.event === 'collect_answered')).toMatchObject({ level: 30, agentId: 'lab-agent', ok: true, status: 'success' });
    const applied = hubLines.filter((l) => l.event === 'record_applied');
    expect(applied.map((l) => l.kind).sort()).toEqual(['audit', 'result']);
    expect(applied.every((l) => l.level === 20 && l.host === 'me' && l.command === 'uptime')).toBe(true);

    // The id is the one in the agent's audit row and the hub's copy of it.
    const agentAudit = agent.store.db.prepare("SELECT correlation_id AS id FROM audit WHERE source = 'request' ORDER BY seq DESC LIMIT 1").get() as { id: string };
    expect(agentAudit.id).toBe(id);
    const hubAudit = hub.db.prepare('SELECT count(*) AS n FROM audit WHERE correlation_id = ?').get(id) as { n: number };
    expect(hubAudit.n).toBe(1);
  }, 60_000);

  it('a refused request carries the id in the hub relay lines', async () => {
    const quiet = { out: () => undefined, err: () => undefined, isTty: false };
    expect(await requestCommand(['--url', hub.url, '--token', OPERATOR_TOKEN, 'lab', 'nope', 'uptime'], quiet)).toBe(1);
    const refused = hubLog.lines.filter((l) => l.event === 'collect_refused').at(-1);
    expect(refused).toMatchObject({ level: 40, code: 'HOST_UNKNOWN' });
    const relayed = hubLog.lines.filter((l) => l.event === 'subscriber_collect_relayed').at(-1);
    expect(refused?.correlationId).toBe(relayed?.correlationId);
  }, 30_000);

  it('a scheduled collection: the agent logs it and the hub applies its records under the same id', async () => {
    expect(agent.scheduler.trigger('me', 'load_average')).toBe(true);
    await eventually(() => agentLog.lines.some((l) => l.event === 'collection_succeeded' && l.command === 'load_average' && l.source === 'schedule'), 20_000, 'the scheduled run');
    const id = agentLog.lines.find((l) => l.event === 'collection_succeeded' && l.command === 'load_average')?.correlationId ?? '';
    expect(id).not.toBe('');
    await eventually(() => withId(hubLog.lines, id).filter((l) => l.event === 'record_applied').length >= 2, 20_000, 'the hub to apply the scheduled records');
    expect(withId(hubLog.lines, id).map((l) => `${l.event}:${String(l.kind)}`).sort()).toEqual(['record_applied:audit', 'record_applied:result']);
  }, 60_000);
});
