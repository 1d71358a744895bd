/**
 * Fill a real agent store (openAgentStore) with an outage's worth of
 * records: one result and one audit record per collection, written through
 * `collections.record` (the collection service's write path), many
 * collections per outer transaction so filling is quick.
 */
import { pino } from 'pino';
import { openAgentStore } from '@infrastructor/agent/dist/store/agent-store.js';
import type { AuditEntry, ResultEntry } from '@infrastructor/shared';
import { auditEntry, listContainersResult, loadAverageResult, systemMetricsResult } from './sample-records.js';

export interface FillOutcome {
  epoch: string;
  lastSeq: number;
  records: number;
  payloadBytes: number;
}

const MIB = 1024 * 1024;

/** The store settings the fill uses; the agent config of the benchmark repeats them. */
export const FILL_STORAGE = {
  synchronous: 'NORMAL' as const,
  historyRetentionMs: 7 * 24 * 3600_000,
  auditRetentionMs: 30 * 24 * 3600_000,
  outboxMaxBytes: 2048 * MIB,
  outboxMaxAgeMs: 30 * 24 * 3600_000,
};

/**
 * `records` outbox records (an even number: result + audit per collection).
 * Mix per 20 collections: 2 list_containers (10 containers), 9 system_metrics,
 * 9 load_average, over 5 hosts.
 */
export function fillOutbox(path: string, records: number): FillOutcome {
  const store = openAgentStore({ storage: { path, ...FILL_STORAGE }, logger: pino({ level: 'silent' }), clock: Date.now });
  try {
    const collections = Math.ceil(records / 2);
    // Templates, re-stamped per collection (parsing docker ps 5,000 times would only slow the fill).
    const listContainers = listContainersResult(10);
    const templates: Array<(host: string, i: number) => ResultEntry> = [
      (h, i) => ({ ...listContainers, host: h, collectedAtMs: listContainers.collectedAtMs + i, correlationId: `c-${i}` }),
      (h, i) => systemMetricsResult(h, i),
      (h, i) => loadAverageResult(h, i),
    ];
    const pick = (i: number): number => (i % 20 < 2 ? 0 : i % 2 === 0 ? 1 : 2);
    const batch = store.db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const host = `host${i % 5}`;
        const result = (templates[pick(i)] as (h: string, i: number) => ResultEntry)(host, i);
        const audit: AuditEntry = { ...auditEntry(result.command, host, i), correlationId: result.correlationId, bytes: result.bytes, durationMs: result.durationMs };
        store.collections.record({ audit, result });
      }
    });
    const per = 1000;
    for (let from = 0; from < collections; from += per) batch(from, Math.min(collections, from + per));
    const stats = store.outbox.stats();
    return { epoch: store.epoch, lastSeq: store.outbox.lastSeq(), records: stats.count, payloadBytes: stats.bytes };
  } finally {
    store.close();
  }
}
