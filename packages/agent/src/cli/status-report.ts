import type { AgentConfig } from '../config/agent-config.js';
import type { LastSuccess } from '../store/audit-store.js';
import type { AuditRow } from '../store/store-types.js';
import type { OutboxStats } from '../store/outbox.js';
import type { HubLinkState } from '../store/link-state-store.js';
import { formatTable } from './format-table.js';

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
}

export interface HostCommandStatus {
  host: string;
  command: string;
  lastSuccessMs: number | null;
  lastErrorMs: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** The newest attempt failed. */
  failing: boolean;
}

/** Per host/command: last success and last error (the newest of each). */
export function summarizeStatus(config: AgentConfig, data: StatusData): HostCommandStatus[] {
  const map = new Map<string, HostCommandStatus>();
  const entry = (host: string, command: string): HostCommandStatus => {
    const key = `${host}\u0000${command}`;
    let e = map.get(key);
    if (!e) {
      e = { host, command, lastSuccessMs: null, lastErrorMs: null, lastErrorCode: null, lastErrorMessage: null, failing: false };
      map.set(key, e);
    }
    return e;
  };
  for (const s of data.lastSuccesses) entry(s.host, s.command).lastSuccessMs = s.timeMs;
  for (const e of data.recentErrors) {
    const x = entry(e.host, e.command);
    if (x.lastErrorMs === null || e.timeMs > x.lastErrorMs) {
      x.lastErrorMs = e.timeMs;
      x.lastErrorCode = e.errorCode;
      x.lastErrorMessage = e.errorMessage;
    }
  }
  for (const x of map.values()) x.failing = x.lastErrorMs !== null && (x.lastSuccessMs === null || x.lastErrorMs > x.lastSuccessMs);
  const hostOrder = new Map(config.hosts.map((h, i) => [h.name, i]));
  return [...map.values()].sort(
    (a, b) => (hostOrder.get(a.host) ?? 1e9) - (hostOrder.get(b.host) ?? 1e9) || a.host.localeCompare(b.host) || a.command.localeCompare(b.command),
  );
}

export function formatAgo(nowMs: number, thenMs: number | null): string {
  if (thenMs === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

export function formatStatus(config: AgentConfig, data: StatusData): string {
  const rows = summarizeStatus(config, data).map((s) => [
    s.host,
    s.command,
    s.failing ? 'FAILING' : s.lastSuccessMs === null ? '-' : 'ok',
    formatAgo(data.nowMs, s.lastSuccessMs),
    s.lastErrorCode ? `${s.lastErrorCode} ${formatAgo(data.nowMs, s.lastErrorMs)}: ${(s.lastErrorMessage ?? '').slice(0, 80)}` : '',
  ]);
  const o = data.outbox;
  const lines = [
    `site ${data.site} — database ${data.databasePath} (epoch ${data.epoch.slice(0, 8)}…)`,
    `outbox: ${o.count} record(s), ${o.bytes} bytes waiting for the hub; last seq ${o.lastSeq}` +
      (o.oldestAgeMs !== null ? `; oldest ${formatAgo(data.nowMs, data.nowMs - o.oldestAgeMs)}` : '') +
      (o.droppedResultsTotal > 0 ? `; ${o.droppedResultsTotal} result(s) dropped by the cap (see gap records)` : '') +
      (o.overCapacity ? '; OVER CAPACITY' : ''),
    formatHubLine(data),
    '',
    rows.length > 0 ? formatTable(['HOST', 'COMMAND', 'STATE', 'LAST SUCCESS', 'LAST ERROR'], rows) : 'no collections recorded yet',
  ];
  return lines.join('\n');
}

/** One line about the hub link, from the state the running agent writes to the database. */
export function formatHubLine(data: StatusData): string {
  const hub = data.hub;
  if (!hub) return 'hub: none configured (records stay in the outbox)';
  const link = hub.link;
  if (link === null) return `hub: ${hub.url} — no connection recorded yet (is the agent running?)`;
  const ack = link.lastAckSeq === null ? '' : `; hub has up to seq ${link.lastAckSeq}`;
  const err = link.lastError === null ? '' : `; last error ${link.lastError.code} ${formatAgo(data.nowMs, link.lastError.atMs)}: ${link.lastError.message.slice(0, 120)}`;
  switch (link.phase) {
    case 'connected':
      return `hub: ${hub.url} — connected since ${formatAgo(data.nowMs, link.sinceMs)}${ack}${err}`;
    case 'connecting':
      return `hub: ${hub.url} — connecting since ${formatAgo(data.nowMs, link.sinceMs)}${ack}`;
    case 'disconnected':
      return `hub: ${hub.url} — DISCONNECTED since ${formatAgo(data.nowMs, link.sinceMs)}${ack}${err}`;
    case 'closed':
      return `hub: ${hub.url} — agent stopped ${formatAgo(data.nowMs, link.sinceMs)}${ack}${err}`;
  }
}
