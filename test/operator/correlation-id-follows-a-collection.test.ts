// One correlationId follows a collection across the system: an on-demand
// request (subscriber → hub relay → agent → hub ingest → the requester's
// answer) and a scheduled run (agent → hub ingest). Hub and agent are
// composed in-process as main.ts does, each with a pino logger captured
// into an array of JSON lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import type { Agent } from '../../packages/agent/src/main.js';
import type { Hub } from '../../packages/hub/src/main.js';
import { requestCommand } from '../../packages/hub/src/cli/request.js';
import { eventually } from '../harness/processes.js';
import { startInProcessSite, type InProcessSite } from '../harness/site.js';

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
  let site: InProcessSite | undefined;
  let hub: Hub;
  let agent: Agent;
  const hubLog = capturedLogger('debug');
  const agentLog = capturedLogger('debug');

  beforeAll(async () => {
    site = await startInProcessSite({
      tmpPrefix: 'infra-correlation-',
      agent: { id: 'lab-agent', site: 'lab', token: AGENT_TOKEN },
      subscribers: [{ name: 'ops', role: 'operator', sites: ['lab'], token: OPERATOR_TOKEN }],
      hosts: [{ name: 'me', transport: 'local' }],
      reconnectDelayMs: { base: 100, max: 1000 },
      hubLogger: hubLog.logger,
      agentLogger: agentLog.logger,
    });
    ({ hub, agent } = site);
    await site.agentConnected();
  }, 60_000);

  afterAll(async () => {
    await site?.close();
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
