/**
 * Realistic records for the codec and replay benchmarks, built with the
 * agent's own parsers where that is cheap (docker ps JSON lines from the
 * test fixtures → parseDockerPs), shaped exactly like what the agent stores
 * and streams (ResultEntry, AuditEntry) and what the hub fans out (events).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditTopic, resultTopic, type AuditEntry, type EventsMessage, type HubEvent, type ResultEntry } from '@infrastructor/shared';
import { parseDockerPs } from '@infrastructor/agent/dist/parse/docker-ps.js';

/** The repository root (the directory holding pnpm-workspace.yaml). */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above the benchmark');
    dir = up;
  }
  return dir;
}

const T0 = Date.UTC(2025, 0, 16, 12, 0, 0);

function hex(n: number, len: number): string {
  let s = '';
  let x = n * 2654435761;
  while (s.length < len) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, len);
}

function correlationId(i: number): string {
  const h = hex(i + 17, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `docker ps -a --no-trunc --format '{{json .}}'` output for `count` containers (fixture lines, renamed). */
export function dockerPsText(count: number): string {
  const lines = readFileSync(join(repoRoot(), 'packages/agent/test/fixtures/docker/ps-homelab.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const o = JSON.parse(lines[i % lines.length] as string) as Record<string, string>;
    o['ID'] = hex(i + 1, 64);
    o['Names'] = `${String(o['Names']).split(',')[0]}-${i}`;
    out.push(JSON.stringify(o));
  }
  return `${out.join('\n')}\n`;
}

/** A list_containers ResultEntry as the agent stores it (data shaped like the command's parse()). */
export function listContainersResult(containers: number, host = 'nas', i = 0): ResultEntry {
  const parsed = parseDockerPs(dockerPsText(containers));
  const counts = new Map<string, number>();
  for (const c of parsed) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return {
    host,
    command: 'list_containers',
    paramsHash: 'e3b0c44298fc1c14',
    params: {},
    collectedAtMs: T0 + i * 1000,
    durationMs: 84.2,
    bytes: 1100 * containers,
    data: { available: true, reason: null, containers: parsed, countsByState: Object.fromEntries(counts) },
    correlationId: correlationId(i),
  };
}

/** A system_metrics ResultEntry (8 CPUs), shaped like the command's parse(). */
export function systemMetricsResult(host = 'nas', i = 0): ResultEntry {
  const cpus = 8;
  const pct = (k: number): number => Math.round(((k * 37 + i * 11) % 1000) / 10) / 10 + 0.35;
  return {
    host,
    command: 'system_metrics',
    paramsHash: '5f1a9c7e0b2d4e63',
    params: { sampleMs: 250 },
    collectedAtMs: T0 + i * 1000,
    durationMs: 271.5,
    bytes: 4312,
    data: {
      cpuPercent: pct(99),
      cpuCount: cpus,
      perCpuPercent: Array.from({ length: cpus }, (_, k) => ({ cpu: `cpu${k}`, percent: pct(k) })),
      memory: {
        totalBytes: 33_554_432_000,
        availableBytes: 21_474_836_480 - i,
        usedBytes: 12_079_595_520 + i,
        usedPercent: 36.0,
        availableEstimated: false,
        swapTotalBytes: 4_294_967_296,
        swapUsedBytes: 10_485_760,
      },
      load: { load1: 0.42, load5: 0.51, load15: 0.47 },
      uptimeSeconds: 1_234_567.89 + i,
      processCount: 312,
      runningProcesses: 2,
    },
    correlationId: correlationId(i),
  };
}

/** A load_average ResultEntry (a small result). */
export function loadAverageResult(host = 'nas', i = 0): ResultEntry {
  return {
    host,
    command: 'load_average',
    paramsHash: 'e3b0c44298fc1c14',
    params: {},
    collectedAtMs: T0 + i * 1000,
    durationMs: 3.1,
    bytes: 27,
    data: { load1: 0.42, load5: 0.51, load15: 0.47, runningTasks: 2, totalTasks: 412, lastPid: 98_765 + i },
    correlationId: correlationId(i),
  };
}

/** The audit row of one successful scheduled collection. */
export function auditEntry(command: string, host = 'nas', i = 0): AuditEntry {
  return {
    timeMs: T0 + i * 1000,
    host,
    command,
    paramsHash: 'e3b0c44298fc1c14',
    source: 'schedule',
    status: 'success',
    cacheHit: false,
    forceRefresh: false,
    durationMs: 3.1,
    bytes: 27,
    errorCode: null,
    errorMessage: null,
    correlationId: correlationId(i),
  };
}

/**
 * A hub → subscriber `events` frame of `count` events: per collection a
 * result event and its audit event (system_metrics and load_average results
 * from a few hosts), as the hub builds them (ingest/record-events.ts).
 */
export function eventsFrame(count: number): EventsMessage {
  const events: HubEvent[] = [];
  const site = 'lab';
  for (let i = 0; events.length < count; i++) {
    const host = `host${i % 5}`;
    const r = i % 2 === 0 ? systemMetricsResult(host, i) : loadAverageResult(host, i);
    events.push({
      seq: 1000 + events.length,
      topic: resultTopic(site, host, r.command),
      topicSeq: 10 + i,
      kind: 'result',
      timeMs: r.collectedAtMs,
      data: { agentId: 'lab-agent', site, ...r },
    });
    if (events.length >= count) break;
    const a = auditEntry(r.command, host, i);
    events.push({
      seq: 1000 + events.length,
      topic: auditTopic(site, host, r.command),
      topicSeq: 10 + i,
      kind: 'audit',
      timeMs: a.timeMs,
      data: { agentId: 'lab-agent', site, ...a },
    });
  }
  return { t: 'events', events };
}
