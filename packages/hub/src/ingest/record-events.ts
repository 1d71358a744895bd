/**
 * The events published for applied records (what subscribers receive as
 * `data`). Topics per packages/shared/src/protocol/topics.ts.
 */
import { agentTopic, auditTopic, changesTopic, resultTopic, type AuditEntry, type ChangeEntry, type ResultEntry } from '@infrastructor/shared';
import type { Logger } from '../log/logger.js';
import type { HubEventInput } from '../ports.js';
import type { GapRow } from '../store/record-writes.js';

export interface AgentRef {
  agentId: string;
  site: string;
}

/** Retained per site/host/command; `data` is also what `latest` stores. */
export function resultEvent(a: AgentRef, r: ResultEntry): HubEventInput {
  return {
    kind: 'result',
    topic: resultTopic(a.site, r.host, r.command),
    site: a.site,
    timeMs: r.collectedAtMs,
    retain: true,
    data: {
      agentId: a.agentId,
      site: a.site,
      host: r.host,
      command: r.command,
      params: r.params,
      paramsHash: r.paramsHash,
      collectedAtMs: r.collectedAtMs,
      durationMs: r.durationMs,
      bytes: r.bytes,
      correlationId: r.correlationId,
      data: r.data,
    },
  };
}

export function auditEvent(a: AgentRef, e: AuditEntry): HubEventInput {
  return { kind: 'audit', topic: auditTopic(a.site, e.host, e.command), site: a.site, timeMs: e.timeMs, retain: false, data: { agentId: a.agentId, site: a.site, ...e } };
}

export function changeEvent(a: AgentRef, e: ChangeEntry): HubEventInput {
  return { kind: 'change', topic: changesTopic(a.site, e.host, e.command), site: a.site, timeMs: e.detectedAtMs, retain: false, data: { agentId: a.agentId, site: a.site, ...e } };
}

/** Gaps go to the agent's topic (kind 'gap', not retained). */
export function gapEvent(g: GapRow): HubEventInput {
  return {
    kind: 'gap',
    topic: agentTopic(g.site, g.agentId),
    site: g.site,
    timeMs: g.detectedAtMs,
    retain: false,
    data: {
      agentId: g.agentId,
      site: g.site,
      epoch: g.epoch,
      source: g.source,
      reason: g.reason,
      seq: g.seq,
      fromSeq: g.fromSeq,
      toSeq: g.toSeq,
      droppedResults: g.droppedResults,
      droppedBytes: g.droppedBytes,
      detail: g.detail,
    },
  };
}

/**
 * At debug, one line per applied record with its correlationId, so a
 * collection can be followed from the agent's log into the hub's.
 */
export function logAppliedRecords(logger: Logger, events: readonly HubEventInput[]): void {
  if (!logger.isLevelEnabled('debug')) return;
  for (const e of events) {
    const d = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Record<string, unknown>;
    logger.debug(
      {
        event: 'record_applied',
        kind: e.kind,
        topic: e.topic,
        ...(typeof d['host'] === 'string' ? { host: d['host'], command: d['command'] } : {}),
        ...(typeof d['correlationId'] === 'string' ? { correlationId: d['correlationId'] } : {}),
        ...(typeof d['status'] === 'string' ? { status: d['status'] } : {}),
      },
      `applied ${e.kind} ${e.topic}`,
    );
  }
}
