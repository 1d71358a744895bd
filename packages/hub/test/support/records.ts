/** Outbox-like records as an agent sends them (payloads: plain MessagePack of records.ts shapes). */
import { encode, type AuditEntry, type ChangeEntry, type GapPayload, type ResultEntry, type WireRecord } from '@infrastructor/shared';

export const EPOCH_A = 'aaaaaaaa00000000aaaaaaaa00000001';
export const EPOCH_B = 'bbbbbbbb00000000bbbbbbbb00000002';

export function result(over: Partial<ResultEntry> = {}): ResultEntry {
  return {
    host: 'nas',
    command: 'system_info',
    paramsHash: 'p0',
    params: {},
    collectedAtMs: 1_000,
    durationMs: 12,
    bytes: 100,
    data: { uptimeSeconds: 42 },
    correlationId: 'corr-1',
    ...over,
  };
}

export function audit(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    timeMs: 1_000,
    host: 'nas',
    command: 'system_info',
    paramsHash: 'p0',
    source: 'schedule',
    status: 'success',
    cacheHit: false,
    forceRefresh: false,
    durationMs: 12,
    bytes: 100,
    errorCode: null,
    errorMessage: null,
    correlationId: 'corr-1',
    ...over,
  };
}

export function change(over: Partial<ChangeEntry> = {}): ChangeEntry {
  return {
    host: 'nas',
    command: 'nginx_config',
    path: '/etc/nginx/nginx.conf',
    change: 'modified',
    oldHash: 'sha256:aa',
    newHash: 'sha256:bb',
    detectedAtMs: 1_000,
    correlationId: 'corr-2',
    ...over,
  };
}

export function gap(over: Partial<GapPayload> = {}): GapPayload {
  return { droppedResults: 3, droppedBytes: 300, fromSeq: 1, toSeq: 3, reasons: ['maxBytes'], ...over };
}

export function rec(seq: number, kind: WireRecord['kind'], body: unknown): WireRecord {
  return { seq, kind, createdAtMs: 1_000, payload: encode(body) };
}

/** n result records with seqs from..from+n-1 (collectedAtMs = seq, so later is newer). */
export function results(from: number, n: number, over: Partial<ResultEntry> = {}): WireRecord[] {
  return Array.from({ length: n }, (_, i) => rec(from + i, 'result', result({ collectedAtMs: from + i, ...over })));
}
