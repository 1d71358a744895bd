/**
 * `infra-agent status`: the agent at a glance, from its database (another
 * process may be running it). A summary line, the hub link, the outbox
 * backlog, one row per host, one row per host/command with its last success
 * and its error code, and the distinct errors in full once each.
 */
import { compareText } from '@infrastructor/shared';
import type { AgentConfig } from '../config/agent-config.js';
import type { LastSuccess } from '../store/audit-store.js';
import type { AuditRow } from '../store/store-types.js';
import type { OutboxStats } from '../store/outbox.js';
import type { HubLinkState } from '../store/link-state-store.js';
import { formatTable } from './format-table.js';

/** A scheduled host/command (enabled in the configuration) and the longest gap between its runs. */
export interface StatusJob {
  host: string;
  command: string;
  intervalMs: number;
}

export interface StatusData {
  site: string;
  databasePath: string;
  epoch: string;
  nowMs: number;
  lastSuccesses: readonly LastSuccess[];
  recentErrors: readonly AuditRow[];
  outbox: OutboxStats;
  /** null/absent: no hub configured. `link` is what the running agent last wrote (null: never ran with a hub). */
  hub?: { url: string; link: HubLinkState | null } | null;
  /** The scheduled jobs: shown even before their first run, and judged stale from their interval. */
  jobs?: readonly StatusJob[];
}

/**
 * ok: the newest attempt succeeded; failing: it failed; stale: it succeeded
 * but longer ago than its schedule allows (is the agent running?); not_run:
 * scheduled, no attempt recorded yet.
 */
export type CommandState = 'ok' | 'failing' | 'stale' | 'not_run';

export interface HostCommandStatus {
  host: string;
  command: string;
  state: CommandState;
  lastSuccessMs: number | null;
  lastErrorMs: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** The newest attempt failed. */
  failing: boolean;
  /** Longest gap between scheduled runs; null when not scheduled. */
  intervalMs: number | null;
}

export interface HostStatus {
  host: string;
  /** "local" or user@address:port */
  target: string;
  ok: number;
  failing: number;
  stale: number;
  notRun: number;
  /** Error codes of the failing commands, with how many each. */
  errorCodes: Record<string, number>;
}

export interface StatusSummary {
  hosts: number;
  commands: number;
  ok: number;
  failing: number;
  stale: number;
  notRun: number;
}

/** How far past its interval a success may be before it counts as stale (jitter, a slow run). */
export const STALE_GRACE_MS = 60_000;

/** Per host/command: last success and last error (the newest of each), and its state. */
export function summarizeStatus(config: AgentConfig, data: StatusData): HostCommandStatus[] {
  const map = new Map<string, HostCommandStatus>();
  const entry = (host: string, command: string): HostCommandStatus => {
    const key = `${host}\u0000${command}`;
    let e = map.get(key);
    if (!e) {
      e = { host, command, state: 'not_run', lastSuccessMs: null, lastErrorMs: null, lastErrorCode: null, lastErrorMessage: null, failing: false, intervalMs: null };
      map.set(key, e);
    }
    return e;
  };
  for (const j of data.jobs ?? []) entry(j.host, j.command).intervalMs = j.intervalMs;
  for (const s of data.lastSuccesses) entry(s.host, s.command).lastSuccessMs = s.timeMs;
  for (const e of data.recentErrors) {
    const x = entry(e.host, e.command);
    if (x.lastErrorMs === null || e.timeMs > x.lastErrorMs) {
      x.lastErrorMs = e.timeMs;
      x.lastErrorCode = e.errorCode;
      x.lastErrorMessage = e.errorMessage;
    }
  }
  for (const x of map.values()) {
    x.failing = x.lastErrorMs !== null && (x.lastSuccessMs === null || x.lastErrorMs > x.lastSuccessMs);
    if (x.failing) x.state = 'failing';
    else if (x.lastSuccessMs === null) x.state = 'not_run';
    else if (x.intervalMs !== null && x.intervalMs > 0 && data.nowMs - x.lastSuccessMs > 2 * x.intervalMs + config.schedule.jitterMs + STALE_GRACE_MS) x.state = 'stale';
    else x.state = 'ok';
  }
  const hostOrder = new Map(config.hosts.map((h, i) => [h.name, i]));
  return [...map.values()].sort(
    (a, b) => (hostOrder.get(a.host) ?? 1e9) - (hostOrder.get(b.host) ?? 1e9) || compareText(a.host, b.host) || compareText(a.command, b.command),
  );
}

/** One row per configured host (and any other host found in the history). */
export function summarizeHosts(config: AgentConfig, commands: readonly HostCommandStatus[]): HostStatus[] {
  const hosts = new Map<string, HostStatus>();
  const blank = (host: string, target: string): HostStatus => ({ host, target, ok: 0, failing: 0, stale: 0, notRun: 0, errorCodes: {} });
  for (const h of config.hosts) hosts.set(h.name, blank(h.name, h.transport === 'local' ? 'local' : `${h.user}@${h.address}:${h.port}`));
  for (const c of commands) {
    let h = hosts.get(c.host);
    if (!h) hosts.set(c.host, (h = blank(c.host, '(not in the configuration)')));
    if (c.state === 'ok') h.ok++;
    else if (c.state === 'stale') h.stale++;
    else if (c.state === 'not_run') h.notRun++;
    else {
      h.failing++;
      const code = c.lastErrorCode ?? 'UNKNOWN';
      h.errorCodes[code] = (h.errorCodes[code] ?? 0) + 1;
    }
  }
  return [...hosts.values()];
}

export function summarizeTotals(hosts: readonly HostStatus[]): StatusSummary {
  const sum = (f: (h: HostStatus) => number): number => hosts.reduce((n, h) => n + f(h), 0);
  const ok = sum((h) => h.ok);
  const failing = sum((h) => h.failing);
  const stale = sum((h) => h.stale);
  const notRun = sum((h) => h.notRun);
  return { hosts: hosts.length, commands: ok + failing + stale + notRun, ok, failing, stale, notRun };
}

/** `status --json`: everything the text shows, as data. */
export function statusJson(config: AgentConfig, data: StatusData): Record<string, unknown> {
  const commands = summarizeStatus(config, data);
  const hosts = summarizeHosts(config, commands);
  return {
    site: data.site,
    database: data.databasePath,
    epoch: data.epoch,
    nowMs: data.nowMs,
    summary: summarizeTotals(hosts),
    outbox: data.outbox,
    hub: data.hub ?? null,
    hosts,
    commands,
  };
}

export function formatAgo(nowMs: number, thenMs: number | null): string {
  if (thenMs === null) return 'never';
  return `${formatSpan(nowMs - thenMs)} ago`;
}

/** 42 s → "42s", 150 s → "2m", 90 min → "1h 30m", 50 h → "2d 2h". */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  const two = (big: number, unit: string, small: number, smallUnit: string): string => (small === 0 ? `${big}${unit}` : `${big}${unit} ${small}${smallUnit}`);
  if (s < 86_400) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm');
  return two(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

export interface FormatStatusOptions {
  /** ANSI colours (a terminal): failing rows red, stale ones yellow. */
  color?: boolean;
}

const STATE_TEXT: Record<CommandState, string> = { ok: 'ok', failing: 'FAILING', stale: 'STALE', not_run: 'not run yet' };

export function formatSummaryLine(s: StatusSummary): string {
  const parts = [`${s.ok} ok`, `${s.failing} failing`];
  if (s.stale > 0) parts.push(`${s.stale} stale`);
  if (s.notRun > 0) parts.push(`${s.notRun} not run yet`);
  return `${s.hosts} host${s.hosts === 1 ? '' : 's'}, ${s.commands} command${s.commands === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function formatStatus(config: AgentConfig, data: StatusData, options: FormatStatusOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `${code}${text}${RESET}` : text);
  const commands = summarizeStatus(config, data);
  const hosts = summarizeHosts(config, commands);
  const totals = summarizeTotals(hosts);
  const o = data.outbox;
  const summary = `summary: ${formatSummaryLine(totals)}`;
  const lines = [
    `site ${data.site} — database ${data.databasePath} (epoch ${data.epoch.slice(0, 8)}…)`,
    totals.failing > 0 ? paint(BOLD + RED, summary) : totals.stale > 0 ? paint(YELLOW, summary) : summary,
    formatHubLine(data),
    `outbox: ${o.count} record${o.count === 1 ? '' : 's'} (${formatBytes(o.bytes)}) waiting for the hub` +
      (o.oldestAgeMs !== null ? `, oldest ${formatAgo(data.nowMs, data.nowMs - o.oldestAgeMs)}` : '') +
      `; last seq ${o.lastSeq}` +
      (o.droppedResultsTotal > 0 ? `; ${o.droppedResultsTotal} result(s) dropped by the cap (see gap records)` : '') +
      (o.overCapacity ? '; OVER CAPACITY' : ''),
  ];
  if (commands.length === 0) {
    lines.push('', 'no collections recorded yet');
    return lines.join('\n');
  }

  const hostRows = hosts.map((h) => [
    h.host,
    h.target,
    String(h.ok),
    String(h.failing),
    [
      h.stale > 0 ? `${h.stale} stale` : '',
      h.notRun > 0 ? `${h.notRun} not run yet` : '',
      ...Object.entries(h.errorCodes)
        .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
        .map(([code, n]) => `${code} ×${n}`),
    ]
      .filter((t) => t !== '')
      .join(', '),
  ]);
  lines.push('', colorRows(formatTable(['HOST', 'TARGET', 'OK', 'FAILING', 'NOTES'], hostRows), hosts.map((h) => (h.failing > 0 ? 'failing' : h.stale > 0 ? 'stale' : 'ok')), options));

  // Per host, failing rows first, then stale, then ok; scheduled commands that never ran are only counted.
  const rank: Record<CommandState, number> = { failing: 0, stale: 1, ok: 2, not_run: 3 };
  const hostIndex = new Map(hosts.map((h, i) => [h.host, i]));
  const listed = commands
    .filter((c) => c.state !== 'not_run')
    .sort((a, b) => (hostIndex.get(a.host) ?? 0) - (hostIndex.get(b.host) ?? 0) || rank[a.state] - rank[b.state] || compareText(a.command, b.command));
  const rows = listed.map((s) => [
    s.host,
    s.command,
    STATE_TEXT[s.state],
    formatAgo(data.nowMs, s.lastSuccessMs),
    s.lastErrorCode ? `${s.lastErrorCode} ${formatAgo(data.nowMs, s.lastErrorMs)}${s.failing ? '' : ' (recovered)'}` : '',
  ]);
  if (rows.length > 0) {
    lines.push('', colorRows(formatTable(['HOST', 'COMMAND', 'STATE', 'LAST SUCCESS', 'LAST ERROR'], rows), listed.map((c) => c.state), options));
  }
  if (totals.notRun > 0) {
    lines.push(`(${totals.notRun} scheduled command${totals.notRun === 1 ? '' : 's'} not run yet: counted per host above, listed by --json)`);
  }

  const errors = distinctErrors(commands.filter((c) => c.failing));
  if (errors.length > 0) {
    lines.push('', `errors (${errors.length} distinct, newest first):`);
    for (const e of errors) {
      lines.push(paint(RED, `  ${e.code} — ${e.where}, ${formatAgo(data.nowMs, e.atMs)}: ${clip(e.message, 300)}`));
    }
  }
  return lines.join('\n');
}

/** Colours each data row of a formatted table (the header stays plain). */
function colorRows(table: string, states: readonly string[], options: FormatStatusOptions): string {
  if (!options.color) return table;
  const [header, ...rows] = table.split('\n');
  return [
    header,
    ...rows.map((r, i) => (states[i] === 'failing' ? `${RED}${r}${RESET}` : states[i] === 'stale' ? `${YELLOW}${r}${RESET}` : r)),
  ].join('\n');
}

interface DistinctError {
  code: string;
  message: string;
  where: string;
  atMs: number;
}

/** The failing commands grouped by (code, message): the same broken key on 14 commands is one line. */
function distinctErrors(failing: readonly HostCommandStatus[]): DistinctError[] {
  const groups = new Map<string, { code: string; message: string; items: HostCommandStatus[]; atMs: number }>();
  for (const c of failing) {
    const code = c.lastErrorCode ?? 'UNKNOWN';
    const message = c.lastErrorMessage ?? '';
    const key = `${code}\u0000${message}`;
    const g = groups.get(key) ?? { code, message, items: [], atMs: 0 };
    g.items.push(c);
    g.atMs = Math.max(g.atMs, c.lastErrorMs ?? 0);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => {
      const hostsOf = [...new Set(g.items.map((i) => i.host))];
      const where =
        g.items.length === 1
          ? `${g.items[0]?.host}/${g.items[0]?.command}`
          : hostsOf.length === 1
            ? `${hostsOf[0]}: ${g.items.length} commands`
            : `${g.items.length} commands on ${hostsOf.length} hosts`;
      return { code: g.code, message: g.message, where, atMs: g.atMs };
    })
    .sort((a, b) => b.atMs - a.atMs || compareText(a.code, b.code));
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** One line about the hub link, from the state the running agent writes to the database. */
export function formatHubLine(data: StatusData): string {
  const hub = data.hub;
  if (!hub) return 'hub: none configured (records stay in the outbox)';
  const link = hub.link;
  if (link === null) return `hub: ${hub.url} — no connection recorded yet (is the agent running?)`;
  const ackAt = link.lastAckAtMs ?? null;
  const ack =
    link.lastAckSeq === null
      ? '; nothing acknowledged yet'
      : `; hub has up to seq ${link.lastAckSeq}${ackAt === null ? '' : ` (last ack ${formatAgo(data.nowMs, ackAt)})`}`;
  const e = link.lastError;
  const err = e === null ? '' : `; last error ${e.code} ${formatAgo(data.nowMs, e.atMs)}: ${clip(e.message, 200)}`;
  switch (link.phase) {
    case 'connected':
      // An error from before this connection is history: short.
      return `hub: ${hub.url} — connected since ${formatAgo(data.nowMs, link.sinceMs)}${ack}${e === null ? '' : `; earlier error ${e.code} ${formatAgo(data.nowMs, e.atMs)}`}`;
    case 'connecting':
      return `hub: ${hub.url} — connecting since ${formatAgo(data.nowMs, link.sinceMs)}${ack}`;
    case 'disconnected':
      return `hub: ${hub.url} — DISCONNECTED since ${formatAgo(data.nowMs, link.sinceMs)}${err}${ack}; retrying, records wait in the outbox`;
    case 'closed':
      return `hub: ${hub.url} — agent stopped ${formatAgo(data.nowMs, link.sinceMs)}${ack}${err}`;
  }
}
