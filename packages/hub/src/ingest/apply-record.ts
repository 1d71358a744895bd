/**
 * One new record: decode its payload (plain MessagePack) into unknown,
 * validate it with the shared record parsers, write it, and return the
 * event to publish after commit. A record that fails to decode or validate
 * is not written: a `record_invalid` gap row says so, and the stream moves on.
 *
 * A result's `data` (the parsed output: most of its bytes) is checked to be
 * well-formed MessagePack but not built as objects: its bytes go as they
 * are into the retained state and the event (decodeKeepingRaw, PreEncoded).
 * A result's, audit's or change's event data is the agent's payload behind
 * `agentId` and `site` when it holds exactly the validated fields
 * (event-data.ts), else encoded once from the validated entry; the same
 * bytes go to the retained state and the event.
 */
import {
  decode,
  decodeKeepingRaw,
  encode,
  InfraError,
  NAME_PATTERN,
  parseAuditEntry,
  parseChangeEntry,
  parseGapPayload,
  parseResultEntry,
  type WireRecord,
} from '@infrastructor/shared';
import type { HubEventInput } from '../ports.js';
import type { RecordOrigin, GapRow } from '../store/record-writes.js';
import type { RecordWrites } from '../store/record-writes.js';
import type { LatestPerBatch } from './latest-per-batch.js';
import { auditEvent, changeEvent, gapEvent, resultEvent } from './record-events.js';
import { eventDataBytes } from './event-data.js';

export type RecordOutcome =
  | { status: 'applied'; kind: WireRecord['kind']; event: HubEventInput; collected?: { host: string; command: string; atMs: number } }
  /** A result older than the stored one: nothing to publish. */
  | { status: 'superseded' }
  | { status: 'invalid'; reason: string; event: HubEventInput };

export interface ApplyDeps {
  records: RecordWrites;
  latest: LatestPerBatch;
}

/** Result fields passed through without decoding. */
const RESULT_RAW_FIELDS: ReadonlySet<string> = new Set(['data']);

function checkNames(host: string, command: string): void {
  if (!NAME_PATTERN.test(host) || !NAME_PATTERN.test(command)) {
    throw new InfraError('FRAME_INVALID', 'host and command must be names (letters, digits, _ . -) to form a topic', { details: { field: 'host/command' } });
  }
}

export function applyRecord(deps: ApplyDeps, origin: RecordOrigin, record: WireRecord, nowMs: number): RecordOutcome {
  let body: unknown;
  try {
    body = record.kind === 'result' ? decodeKeepingRaw(record.payload, RESULT_RAW_FIELDS) : decode(record.payload);
    return applyDecoded(deps, origin, record, body, nowMs);
  } catch (err) {
    if (!(err instanceof InfraError) || (err.code !== 'FRAME_INVALID' && err.code !== 'DECODE_FAILED')) throw err;
    const gap: GapRow = {
      ...origin,
      source: 'hub',
      reason: 'record_invalid',
      seq: record.seq,
      fromSeq: record.seq,
      toSeq: record.seq,
      droppedResults: null,
      droppedBytes: null,
      detail: `${record.kind} record refused: ${err.message}`.slice(0, 1000),
      detectedAtMs: nowMs,
    };
    deps.records.insertGap(gap);
    return { status: 'invalid', reason: err.message, event: gapEvent(gap) };
  }
}

/** An applied audit or change: its event, with the event data as bytes (event-data.ts). */
function applied(kind: 'audit' | 'change', event: HubEventInput, origin: RecordOrigin, record: WireRecord, body: unknown, validated: object): RecordOutcome {
  event.encodedData = eventDataBytes(origin, record.payload, body, validated) ?? encode(event.data);
  return { status: 'applied', kind, event };
}

function applyDecoded(deps: ApplyDeps, origin: RecordOrigin, record: WireRecord, body: unknown, nowMs: number): RecordOutcome {
  switch (record.kind) {
    case 'result': {
      const r = parseResultEntry(body);
      checkNames(r.host, r.command);
      const event = resultEvent(origin, r);
      event.encodedData = eventDataBytes(origin, record.payload, body, r) ?? encode(event.data);
      if (!deps.latest.offer(event.topic, origin.site, r.collectedAtMs, event.encodedData)) return { status: 'superseded' };
      return { status: 'applied', kind: 'result', event, collected: { host: r.host, command: r.command, atMs: r.collectedAtMs } };
    }
    case 'audit': {
      const a = parseAuditEntry(body);
      checkNames(a.host, a.command);
      deps.records.insertAudit(origin, a, nowMs);
      return applied('audit', auditEvent(origin, a), origin, record, body, a);
    }
    case 'change': {
      const c = parseChangeEntry(body);
      checkNames(c.host, c.command);
      deps.records.insertChange(origin, c, nowMs);
      return applied('change', changeEvent(origin, c), origin, record, body, c);
    }
    case 'gap': {
      const g = parseGapPayload(body);
      const row: GapRow = {
        ...origin,
        source: 'agent',
        reason: 'agent_dropped',
        seq: record.seq,
        fromSeq: g.fromSeq,
        toSeq: g.toSeq,
        droppedResults: g.droppedResults,
        droppedBytes: g.droppedBytes,
        detail: `outbox full (${g.reasons.join(', ')})`,
        detectedAtMs: nowMs,
      };
      deps.records.insertGap(row);
      return { status: 'applied', kind: 'gap', event: gapEvent(row) };
    }
  }
}
