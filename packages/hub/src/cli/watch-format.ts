/**
 * How `infra-hub watch` prints events: JSON lines for programs, or one
 * short readable line per update on a terminal:
 *
 *   14:02:07  lab/nas/system_metrics                 cpu 12.5% mem 40.0% load 0.50 0.40 0.30
 *   14:02:07  lab/nas/disk_usage                     fullest /srv 91% of 3.6 TiB (4 filesystems)
 *   14:02:09  agent lab/lab-agent                    connected v0.1.0, backlog 0, hwm 120
 *   14:02:11  audit lab/nas/drive_health             error SSH_AUTH_FAILED after 312 ms: …
 *
 * Each built-in command has a one-line summary of what matters in it; any
 * other result shows its keys and size. Failures (errors, unhealthy disks or
 * pools, a disconnected or stale agent, lost records) are red on a terminal.
 */
import type { HubEvent } from '@infrastructor/shared';

const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** Width the "where" column is padded to, so summaries line up. */
export const WHERE_WIDTH = 38;
/** A value older than this (a snapshot entry, a late record) shows its age. */
export const FRESH_MS = 2 * 60_000;

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** JSON cannot hold bytes or bigints: bytes become base64, bigints strings. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonSafe, indent);
}

/** One JSON line: {seq, topic, topicSeq, kind, timeMs, data}. */
export function eventJsonLine(e: HubEvent): string {
  return toJson({ seq: e.seq, topic: e.topic, topicSeq: e.topicSeq, kind: e.kind, timeMs: e.timeMs, data: e.data });
}

function clock(timeMs: number): string {
  const d = new Date(timeMs);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function pct(v: unknown, digits = 1): string {
  const n = num(v);
  return n === undefined ? '?' : `${n.toFixed(digits)}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** 93784 s → "1d 2h", 3720 s → "1h 2m", 75 s → "1m 15s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function sizeOf(value: unknown): string {
  return formatBytes(Buffer.byteLength(toJson(value) ?? ''));
}

/** Result events may carry the result entry ({host, command, data, ...}) or the data itself. */
function resultPayload(data: unknown): unknown {
  return isObj(data) && 'data' in data && ('command' in data || 'collectedAtMs' in data) ? data['data'] : data;
}

/** A compact description of any value: keys and size. */
export function shapeSummary(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} items, ${sizeOf(value)}`;
  if (isObj(value)) {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 6).join(', ');
    return `{${shown}${keys.length > 6 ? `, +${keys.length - 6}` : ''}} ${sizeOf(value)}`;
  }
  if (value === null || value === undefined) return String(value);
  const text = toJson(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** What a summary says, and whether it reports something wrong (printed red). */
export interface Summary {
  text: string;
  alarm: boolean;
}

const ok = (text: string): Summary => ({ text, alarm: false });

/** A tool the host does not have (`available: false`): not an error, say so briefly. */
function unavailable(v: Obj): Summary | undefined {
  return v['available'] === false ? ok(`not available: ${clip(str(v['reason']) ?? 'no reason given', 100)}`) : undefined;
}

function loads(v: Obj): string {
  return [v['load1'], v['load5'], v['load15']].map((l) => (num(l) === undefined ? '?' : (l as number).toFixed(2))).join(' ');
}

/** Disks or filesystems at or above this are red. */
const FULL_PERCENT = 90;

const BY_COMMAND: Readonly<Record<string, (v: Obj) => Summary>> = {
  system_metrics: (v) => {
    const mem = isObj(v['memory']) ? v['memory'] : {};
    const load = isObj(v['load']) ? v['load'] : {};
    const uptime = num(v['uptimeSeconds']);
    return ok(`cpu ${pct(v['cpuPercent'])} mem ${pct(mem['usedPercent'])} load ${loads(load)}${uptime === undefined ? '' : `, up ${formatSeconds(uptime)}`}`);
  },
  disk_usage: (v) => {
    const fss = objects(v['filesystems']);
    const known = fss.filter((f) => num(f['usedPercent']) !== undefined);
    if (known.length === 0) return ok(`${plural(fss.length, 'filesystem')}, no usage reported`);
    const fullest = known.reduce((a, b) => ((b['usedPercent'] as number) > (a['usedPercent'] as number) ? b : a));
    const used = fullest['usedPercent'] as number;
    const size = num(fullest['sizeBytes']);
    const partial = v['partial'] === true ? ', partial' : '';
    return {
      text: `fullest ${str(fullest['mount']) ?? '?'} ${used}%${size === undefined ? '' : ` of ${formatBytes(size)}`} (${plural(fss.length, 'filesystem')}${partial})`,
      alarm: used >= FULL_PERCENT,
    };
  },
  drive_health: (v) => {
    if (v['smartctlInstalled'] === false) return ok('smartctl not installed (package smartmontools)');
    const disks = objects(v['disks']);
    const verdict = str(v['verdict']) ?? '?';
    const bad = disks.filter((d) => d['verdict'] === 'critical' || d['verdict'] === 'warning');
    const first = bad[0];
    const reasons = first && Array.isArray(first['reasons']) ? first['reasons'].filter((r) => typeof r === 'string').slice(0, 2) : [];
    const detail = first ? `; ${str(first['name']) ?? '?'}: ${reasons.join(', ') || String(first['verdict'])}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}` : '';
    return { text: `${verdict}, ${plural(disks.length, 'disk')}${detail}`, alarm: verdict === 'critical' || verdict === 'warning' };
  },
  network_interfaces: (v) => {
    const ifs = objects(v['interfaces']).filter((i) => i['name'] !== 'lo');
    const up = ifs.filter((i) => i['state'] === 'UP');
    const down = ifs.filter((i) => i['state'] === 'DOWN' || i['state'] === 'LOWERLAYERDOWN');
    const names = (list: Obj[]): string => list.map((i) => String(i['name'])).slice(0, 5).join(', ') + (list.length > 5 ? ', …' : '');
    return ok(`${up.length}/${ifs.length} interfaces up${up.length > 0 ? ` (${names(up)})` : ''}${down.length > 0 ? `; down: ${names(down)}` : ''}`);
  },
  list_containers: (v) => {
    const na = unavailable(v);
    if (na) return na;
    const all = objects(v['containers']);
    const byState = isObj(v['countsByState']) ? v['countsByState'] : {};
    const running = num(byState['running']) ?? all.filter((c) => c['state'] === 'running').length;
    const others = Object.entries(byState)
      .filter(([state, n]) => state !== 'running' && num(n))
      .map(([state, n]) => `${String(n)} ${state}`);
    const restarting = num(byState['restarting']) ?? 0;
    return { text: `${running}/${all.length} running${others.length > 0 ? ` (${others.join(', ')})` : ''}`, alarm: restarting > 0 || num(byState['dead']) !== undefined };
  },
  container_stats: (v) => {
    const na = unavailable(v);
    if (na) return na;
    const cs = objects(v['containers']);
    if (cs.length === 0) return ok('no running containers');
    const top = cs.reduce((a, b) => ((num(b['cpuPercent']) ?? -1) > (num(a['cpuPercent']) ?? -1) ? b : a));
    const mem = [...cs].sort((a, b) => (num(b['memoryUsedBytes']) ?? -1) - (num(a['memoryUsedBytes']) ?? -1))[0];
    const memText = mem && num(mem['memoryUsedBytes']) !== undefined ? `; top mem ${String(mem['name'])} ${formatBytes(mem['memoryUsedBytes'] as number)}` : '';
    return ok(`top cpu ${String(top['name'] ?? '?')} ${pct(top['cpuPercent'])}${memText} (${plural(cs.length, 'container')})`);
  },
  zfs_pools: (v) => {
    const na = unavailable(v);
    if (na) return na;
    const pools = objects(v['pools']);
    if (pools.length === 0) return ok('no pools');
    const parts = pools.map((p) => {
      const cap = num(p['capacityPercent']);
      const status = isObj(p['status']) ? p['status'] : {};
      const scan = isObj(status['scan']) ? status['scan'] : {};
      const running = scan['state'] === 'in-progress' ? ` ${String(scan['kind'] ?? 'scan')} ${num(scan['percentDone']) === undefined ? '' : `${String(scan['percentDone'])}%`}`.trimEnd() : '';
      return `${String(p['name'] ?? '?')} ${String(p['health'] ?? '?')}${cap === undefined ? '' : ` ${cap}%`}${running}`;
    });
    return { text: parts.join(', '), alarm: pools.some((p) => p['health'] !== 'ONLINE' || (num(p['capacityPercent']) ?? 0) >= FULL_PERCENT) };
  },
  zfs_datasets: (v) => unavailable(v) ?? ok(plural(objects(v['datasets']).length, 'dataset')),
  load_average: (v) => {
    const running = num(v['runningTasks']);
    const total = num(v['totalTasks']);
    return ok(`load ${loads(v)}${running !== undefined && total !== undefined ? `, ${running}/${total} tasks running` : ''}`);
  },
  uptime: (v) => {
    const up = num(v['uptimeSeconds']);
    return ok(up === undefined ? 'up ?' : `up ${formatSeconds(up)}`);
  },
  kernel_info: (v) => {
    const os = isObj(v['os']) ? v['os'] : {};
    return ok(`${str(v['kernelName']) ?? '?'} ${str(v['kernelRelease']) ?? '?'} ${str(v['machine']) ?? ''}`.trim() + (str(os['prettyName']) ? `, ${String(os['prettyName'])}` : ''));
  },
  systemd_services: (v) => {
    const na = unavailable(v);
    if (na) return na;
    const counts = isObj(v['counts']) ? v['counts'] : {};
    const failed = objects(v['units']).filter((u) => u['active'] === 'failed');
    const names = failed.map((u) => String(u['unit'])).slice(0, 3).join(', ');
    return {
      text: `${String(counts['active'] ?? '?')} active, ${String(counts['failed'] ?? failed.length)} failed${names ? ` (${names}${failed.length > 3 ? ', …' : ''})` : ''}`,
      alarm: (num(counts['failed']) ?? failed.length) > 0,
    };
  },
  proxy_configs: (v) => fileSummary(v, `${objects(v['routes']).length} routes`),
  docker_compose: (v) => {
    const services = objects(v['files']).reduce((n, f) => n + (isObj(f['parsed']) ? objects(f['parsed']['services']).length : 0), 0);
    return fileSummary(v, plural(services, 'service'));
  },
};

/** File-reading commands: how many files, what they hold, which ones failed to read or parse. */
function fileSummary(v: Obj, what: string): Summary {
  const files = objects(v['files']);
  const broken = files.filter((f) => (f['readError'] !== null && f['readError'] !== undefined) || (f['parseError'] !== null && f['parseError'] !== undefined));
  return {
    text: `${plural(files.length, 'file')}, ${what}${broken.length > 0 ? `; ${broken.length} unreadable or invalid` : ''}${v['truncated'] === true ? '; truncated at maxFiles' : ''}`,
    alarm: broken.length > 0,
  };
}

/** The summary of a result: per command for the built-ins (by name, or by shape for system metrics); keys and size otherwise. */
export function resultSummaryOf(command: string, data: unknown): Summary {
  const v = resultPayload(data);
  const by = BY_COMMAND[command] ?? (isObj(v) && 'cpuPercent' in v && 'memory' in v ? BY_COMMAND['system_metrics'] : undefined);
  if (by !== undefined && isObj(v)) {
    try {
      return by(v);
    } catch {
      // An unexpected shape (a newer agent): fall back to the generic summary.
    }
  }
  return ok(shapeSummary(v));
}

/** cpu% mem% load for system_metrics, a per-command line for the other built-ins; keys and size otherwise. */
export function resultSummary(command: string, data: unknown): string {
  return resultSummaryOf(command, data).text;
}

function scalars(data: unknown, max = 6): string {
  if (!isObj(data)) return shapeSummary(data);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) parts.push(`${k}=${String(v)}`);
    if (parts.length >= max) break;
  }
  return parts.join(' ');
}

/** Agent status events: connected or not, backlog, high water, stale jobs; anything else as key=value. */
function agentSummary(data: unknown, nowMs: number | undefined): Summary {
  if (!isObj(data) || typeof data['connected'] !== 'boolean') return { text: scalars(data), alarm: false };
  const connected = data['connected'];
  const lastSeen = num(data['lastSeenMs']);
  const parts = [connected ? 'connected' : `DISCONNECTED${lastSeen !== undefined && nowMs !== undefined ? ` (last seen ${formatSeconds((nowMs - lastSeen) / 1000)} ago)` : ''}`];
  if (typeof data['version'] === 'string') parts.push(`v${data['version']}`);
  if (num(data['hwm']) !== undefined) parts.push(`hwm ${String(data['hwm'])}`);
  if (num(data['replayLag'])) parts.push(`lag ${String(data['replayLag'])}`);
  const outbox = num(data['outboxRecords']);
  if (outbox !== undefined) {
    const bytes = num(data['outboxBytes']);
    const oldest = num(data['oldestAgeMs']);
    const extra = [bytes ? formatBytes(bytes) : '', oldest ? `oldest ${formatSeconds(oldest / 1000)}` : ''].filter((t) => t !== '');
    parts.push(`outbox ${outbox}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`);
  }
  const stale = objects(data['stale']);
  if (stale.length > 0) {
    const names = stale.slice(0, 3).map((s) => `${String(s['host'])}/${String(s['command'])}`);
    parts.push(`${plural(stale.length, 'stale job')} (${names.join(', ')}${stale.length > 3 ? ', …' : ''})`);
  }
  if (data['agentStale'] === true) parts.push('STALE');
  if (data['epochStatus'] === 'replaced') parts.push('new database (epoch replaced)');
  return { text: parts.join(' '), alarm: !connected || stale.length > 0 || data['agentStale'] === true };
}

/** What was lost: from the agent's outbox cap, or seqs the hub never got. */
function gapSummary(data: unknown): string {
  if (!isObj(data)) return scalars(data);
  const range = num(data['fromSeq']) !== undefined ? ` seqs ${String(data['fromSeq'])}..${String(data['toSeq'])}` : '';
  const dropped = num(data['droppedResults']);
  const what = dropped !== undefined ? `${plural(dropped, 'result')} dropped${num(data['droppedBytes']) ? ` (${formatBytes(data['droppedBytes'] as number)})` : ''}` : 'records lost';
  const why = str(data['reason']) ?? (Array.isArray(data['reasons']) ? data['reasons'].join(',') : '');
  const detail = str(data['detail']);
  return `${what}${range}${why ? `, ${why}` : ''}${detail ? `: ${detail}` : ''}`;
}

/** The readable line for one event, and whether it reports a failure. */
export function describeEvent(e: HubEvent, nowMs?: number): { where: string; summary: string; failed: boolean } {
  const parts = e.topic.split('/');
  const d = isObj(e.data) ? e.data : {};
  const errored = d['status'] === 'error' || d['status'] === 'timeout' || (typeof d['errorCode'] === 'string' && d['errorCode'] !== '');
  switch (e.kind) {
    case 'result': {
      const s = resultSummaryOf(parts[4] ?? '', e.data);
      return { where: `${parts[1]}/${parts[3]}/${parts[4]}`, summary: s.text + age(e.timeMs, nowMs), failed: errored || s.alarm };
    }
    case 'audit': {
      const code = str(d['errorCode']);
      const msg = str(d['errorMessage']);
      const source = str(d['source']);
      const took = num(d['durationMs']) === undefined ? '' : ` ${code ? 'after' : 'in'} ${String(d['durationMs'])} ms`;
      const summary = `${String(d['status'] ?? '?')}${code ? ` ${code}` : ''}${took}${source ? ` (${source})` : ''}${msg ? `: ${clip(msg, 160)}` : ''}`;
      return { where: `audit ${parts.slice(1).join('/')}`, summary, failed: errored };
    }
    case 'change':
      return { where: `change ${parts.slice(1).join('/')}`, summary: `${String(d['change'] ?? '?')} ${String(d['path'] ?? '')}`, failed: false };
    case 'agent': {
      const s = agentSummary(e.data, nowMs);
      return { where: `agent ${parts.slice(1).join('/')}`, summary: s.text, failed: s.alarm };
    }
    case 'gap':
      return { where: `gap ${parts.slice(1).join('/')}`, summary: gapSummary(e.data), failed: true };
  }
}

function age(timeMs: number, nowMs: number | undefined): string {
  if (nowMs === undefined || nowMs - timeMs < FRESH_MS) return '';
  return ` (${formatSeconds((nowMs - timeMs) / 1000)} old)`;
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * One line: time, where (site/host/command, padded), summary. With colour,
 * failures are red and the time is dim. `nowMs` marks values that are not
 * fresh (a snapshot of an old result) with their age.
 */
export function eventTtyLine(e: HubEvent, color: boolean, nowMs?: number): string {
  const { where, summary, failed } = describeEvent(e, nowMs);
  const line = `${clock(e.timeMs)}  ${where.padEnd(WHERE_WIDTH)}  ${summary}`;
  if (!color) return line;
  return failed ? `${RED}${line}${RESET}` : `${DIM}${clock(e.timeMs)}${RESET}  ${where.padEnd(WHERE_WIDTH)}  ${summary}`;
}
