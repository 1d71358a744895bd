/**
 * How `infra-hub watch` prints events: JSON lines for programs, or one
 * short readable line per update on a terminal.
 */
import type { HubEvent } from '@infrastructor/shared';

const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
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

function pct(v: unknown): string {
  const n = num(v);
  return n === undefined ? '?' : `${n.toFixed(1)}%`;
}

function sizeOf(value: unknown): string {
  const bytes = Buffer.byteLength(toJson(value) ?? '');
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
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

/** cpu% mem% load for system_metrics; keys and size for anything else. */
export function resultSummary(command: string, data: unknown): string {
  const v = resultPayload(data);
  if (isObj(v) && (command === 'system_metrics' || ('cpuPercent' in v && 'memory' in v))) {
    const mem = isObj(v['memory']) ? v['memory'] : {};
    const load = isObj(v['load']) ? v['load'] : {};
    const loads = [load['load1'], load['load5'], load['load15']].map((l) => (num(l) === undefined ? '?' : String(l))).join(' ');
    return `cpu ${pct(v['cpuPercent'])} mem ${pct(mem['usedPercent'])} load ${loads}`;
  }
  return shapeSummary(v);
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

/** Agent status events (connected, epoch, high water, backlog, stale jobs); anything else as key=value. */
function agentSummary(data: unknown): { summary: string; failed: boolean } {
  if (!isObj(data) || typeof data['connected'] !== 'boolean') return { summary: scalars(data), failed: false };
  const parts = [data['connected'] ? 'connected' : 'disconnected'];
  if (typeof data['version'] === 'string') parts.push(`v${data['version']}`);
  if (num(data['hwm']) !== undefined) parts.push(`hwm ${String(data['hwm'])}`);
  if (num(data['replayLag'])) parts.push(`lag ${String(data['replayLag'])}`);
  if (num(data['outboxRecords']) !== undefined) parts.push(`outbox ${String(data['outboxRecords'])}`);
  const stale = Array.isArray(data['stale']) ? data['stale'].length : 0;
  if (stale > 0) parts.push(`${stale} stale job${stale === 1 ? '' : 's'}`);
  if (data['agentStale'] === true) parts.push('STALE');
  return { summary: parts.join(' '), failed: !data['connected'] || stale > 0 || data['agentStale'] === true };
}

/** The readable line for one event, and whether it reports a failure. */
export function describeEvent(e: HubEvent): { where: string; summary: string; failed: boolean } {
  const parts = e.topic.split('/');
  const d = isObj(e.data) ? e.data : {};
  const failed = d['status'] === 'error' || d['status'] === 'timeout' || (typeof d['errorCode'] === 'string' && d['errorCode'] !== '');
  switch (e.kind) {
    case 'result':
      return { where: `${parts[1]}/${parts[3]}/${parts[4]}`, summary: resultSummary(parts[4] ?? '', e.data), failed };
    case 'audit': {
      const err = typeof d['errorCode'] === 'string' ? ` ${d['errorCode']}${typeof d['errorMessage'] === 'string' ? `: ${d['errorMessage']}` : ''}` : '';
      return { where: `audit ${parts.slice(1).join('/')}`, summary: `${String(d['status'] ?? '?')} ${String(d['durationMs'] ?? '?')} ms${err}`, failed };
    }
    case 'change':
      return { where: `change ${parts.slice(1).join('/')}`, summary: `${String(d['change'] ?? '?')} ${String(d['path'] ?? '')}`, failed };
    case 'agent':
      return { where: `agent ${parts.slice(1).join('/')}`, ...agentSummary(e.data) };
    case 'gap':
      return { where: `gap ${parts.slice(1).join('/')}`, summary: scalars(e.data), failed: true };
  }
}

export function eventTtyLine(e: HubEvent, color: boolean): string {
  const { where, summary, failed } = describeEvent(e);
  const line = `${clock(e.timeMs)}  ${where}  ${summary}`;
  if (!color) return line;
  return failed ? `${RED}${line}${RESET}` : `${DIM}${clock(e.timeMs)}${RESET}  ${where}  ${summary}`;
}
