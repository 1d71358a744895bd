/**
 * Inserts for received audit rows, change events and gaps. Called inside
 * the ingest transaction (ingest/batch-ingest.ts).
 */
import type Database from 'better-sqlite3';
import type { AuditEntry, ChangeEntry } from '@infrastructor/shared';
import { asRow, int } from './row-validate.js';

/** Where a record came from: its agent, site, epoch and seq. */
export interface RecordOrigin {
  agentId: string;
  site: string;
  epoch: string;
  seq: number;
}

export type GapReasonCode = 'agent_dropped' | 'record_invalid' | 'hub_missing';

export interface GapRow {
  agentId: string;
  site: string;
  epoch: string;
  source: 'agent' | 'hub';
  reason: GapReasonCode;
  /** The gap record's own seq (agent gaps) or the refused record's seq; null for hub_missing. */
  seq: number | null;
  fromSeq: number;
  toSeq: number;
  droppedResults: number | null;
  droppedBytes: number | null;
  detail: string | null;
  detectedAtMs: number;
}

const ms = (v: number): number => Math.round(v);

export class RecordWrites {
  readonly #audit: Database.Statement<unknown[]>;
  readonly #change: Database.Statement<unknown[]>;
  readonly #gap: Database.Statement<unknown[]>;
  readonly #countGaps: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#audit = db.prepare(
      `INSERT INTO audit (agent_id, site, epoch, seq, time_ms, host, command, params_hash, source, status, cache_hit, force_refresh,
         duration_ms, bytes, error_code, error_message, correlation_id, received_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#change = db.prepare(
      `INSERT INTO changes (agent_id, site, epoch, seq, host, command, path, change, old_hash, new_hash, detected_at_ms, correlation_id, received_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#gap = db.prepare(
      `INSERT INTO gaps (agent_id, site, epoch, source, reason, seq, from_seq, to_seq, dropped_results, dropped_bytes, detail, detected_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#countGaps = db.prepare('SELECT count(*) AS n FROM gaps WHERE agent_id = ?');
  }

  insertAudit(o: RecordOrigin, a: AuditEntry, nowMs: number): void {
    this.#audit.run(
      o.agentId, o.site, o.epoch, o.seq, ms(a.timeMs), a.host, a.command, a.paramsHash, a.source, a.status, a.cacheHit ? 1 : 0, a.forceRefresh ? 1 : 0,
      ms(a.durationMs), ms(a.bytes), a.errorCode, a.errorMessage, a.correlationId, nowMs,
    );
  }

  insertChange(o: RecordOrigin, c: ChangeEntry, nowMs: number): void {
    this.#change.run(o.agentId, o.site, o.epoch, o.seq, c.host, c.command, c.path, c.change, c.oldHash, c.newHash, ms(c.detectedAtMs), c.correlationId, nowMs);
  }

  insertGap(g: GapRow): void {
    this.#gap.run(g.agentId, g.site, g.epoch, g.source, g.reason, g.seq, g.fromSeq, g.toSeq, g.droppedResults, g.droppedBytes, g.detail, g.detectedAtMs);
  }

  gapCount(agentId: string): number {
    return int(asRow(this.#countGaps.get(agentId), 'gaps'), 'n', 'gaps');
  }
}
