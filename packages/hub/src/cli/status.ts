/**
 * `infra-hub status --url URL --token T [--ca FILE] [--json]`
 *
 * GET /status of a running hub with a subscriber token and print it at a
 * glance: one line per agent (connected or since when not, high water,
 * replay lag, outbox backlog, stale jobs), then the counters that signal
 * trouble. --json prints the report as the hub sent it.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { parseArgs } from 'node:util';
import { Checker, InfraError, toInfraError, type Fields } from '@infrastructor/shared';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './client-exit-codes.js';
import { CONNECTION_FLAGS, readConnectionFlags, TOKEN_ENV, type ConnectionFlags } from './hub-client-flags.js';

export const STATUS_USAGE = `usage: infra-hub status --url URL --token TOKEN [--ca FILE] [--json]

  Shows a running hub's agents and the counters that signal trouble
  (GET /status; any subscriber token, which sees the agents of its sites).
  --url takes the hub's ws(s):// or http(s):// address; --token may come
  from ${TOKEN_ENV}. --json prints the report as the hub sent it.
  Exit: 0 ok, 1 the hub cannot be reached or answered badly, 2 usage or authentication failure.`;

const TIMEOUT_MS = 10_000;

/** The hub's /status address for a --url given as ws(s):// or http(s)://. */
export function statusUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  url.pathname = '/status';
  url.search = '';
  return url.toString();
}

function fetchStatus(flags: ConnectionFlags): Promise<{ status: number; body: string }> {
  const url = statusUrl(flags.url);
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { authorization: `Bearer ${flags.token}` }, timeout: TIMEOUT_MS, ...(flags.ca ? { ca: flags.ca } : {}) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new InfraError('HUB_UNREACHABLE', `no answer from ${url} within ${TIMEOUT_MS} ms`)));
    req.on('error', (err) => reject(err instanceof InfraError ? err : new InfraError('HUB_UNREACHABLE', `cannot reach ${url}: ${err.message}`, { cause: err })));
  });
}

interface AgentLine {
  agentId: string;
  site: string;
  connected: boolean;
  hwm: number;
  replayLag: number | null;
  outboxRecords: number | null;
  stale: number;
  lastSeenMs: number | null;
}

/** The parts of the report this prints, checked (the body is untrusted JSON). */
function readReport(value: unknown): { nowMs: number; agents: AgentLine[]; counters: Fields } {
  const c = new Checker('hub /status', 'FRAME_INVALID');
  const o = c.object(value);
  const agents = c.array(o, 'agents').map((item, i) => {
    const a = c.object(item, `agents[${i}]`);
    const num = (k: string): number | null => (typeof a[k] === 'number' ? (a[k] as number) : null);
    return {
      agentId: c.string(a, 'agentId'),
      site: c.string(a, 'site'),
      connected: c.boolean(a, 'connected'),
      hwm: num('hwm') ?? 0,
      replayLag: num('replayLag'),
      outboxRecords: num('outboxRecords'),
      stale: Array.isArray(a['stale']) ? a['stale'].length : 0,
      lastSeenMs: num('lastSeenMs'),
    };
  });
  return { nowMs: c.number(o, 'nowMs'), agents, counters: c.object(o['counters'], 'counters') };
}

/** Counters worth an operator's eye when not zero. */
const TROUBLE = [
  'auth_failed',
  'record_invalid',
  'hub_gap_recorded',
  'agent_frame_too_large',
  'agent_store_write_failed',
  'agent_internal',
  'config_reload_failed',
  'agent_revoked',
];

function ago(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m ago`;
  return `${Math.round(ms / 3_600_000)}h ago`;
}

export function formatStatus(report: { nowMs: number; agents: AgentLine[]; counters: Fields }): string {
  const lines: string[] = [];
  if (report.agents.length === 0) lines.push('no agents (or none in this token\'s sites)');
  for (const a of report.agents) {
    const state = a.connected ? 'connected' : `offline${a.lastSeenMs !== null ? `, seen ${ago(report.nowMs - a.lastSeenMs)}` : ''}`;
    const backlog = a.replayLag !== null && a.replayLag > 0 ? `, ${a.replayLag} records to catch up` : '';
    const stale = a.stale > 0 ? `, ${a.stale} stale job(s)` : '';
    lines.push(`${a.agentId}@${a.site}  ${state}, acked ${a.hwm}${backlog}${stale}`);
  }
  const trouble = TROUBLE.filter((k) => typeof report.counters[k] === 'number' && (report.counters[k] as number) > 0).map((k) => `${k} ${String(report.counters[k])}`);
  lines.push(trouble.length === 0 ? 'counters: nothing to report' : `counters: ${trouble.join(', ')}`);
  return lines.join('\n');
}

export async function statusCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let flags: ConnectionFlags;
  let json: boolean;
  try {
    const { values } = parseArgs({ args: argv, options: { ...CONNECTION_FLAGS, json: { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
    if (values.help) {
      io.out(STATUS_USAGE);
      return EXIT_OK;
    }
    flags = readConnectionFlags(values, env);
    json = values.json;
  } catch (err) {
    io.err(`infra-hub status: ${err instanceof Error ? err.message : String(err)}`);
    io.err(STATUS_USAGE);
    return EXIT_USAGE;
  }
  try {
    const res = await fetchStatus(flags);
    if (res.status === 401) {
      io.err(`error AUTH_FAILED: the hub refused the token (HTTP 401): use a subscriber token (--token or ${TOKEN_ENV}), not an agent token`);
      return EXIT_USAGE;
    }
    if (res.status !== 200) throw new InfraError('HUB_UNREACHABLE', `GET /status answered HTTP ${res.status}: ${res.body.slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new InfraError('FRAME_INVALID', 'GET /status did not answer JSON');
    }
    const report = readReport(body);
    io.out(json ? JSON.stringify(body) : formatStatus(report));
    return EXIT_OK;
  } catch (err) {
    const e = toInfraError(err);
    io.err(`error ${e.code}: ${e.message}`);
    return EXIT_FAILED;
  }
}
