/** Outbox-like records as an agent sends them (payloads: plain MessagePack of records.ts shapes). */
import { encode, type GapPayload, type ResultEntry, type WireRecord } from '@infrastructor/shared';
import { recordBuilders } from '../../../shared/test/support/record-builders.js';

export const EPOCH_A = 'aaaaaaaa00000000aaaaaaaa00000001';
export const EPOCH_B = 'bbbbbbbb00000000bbbbbbbb00000002';

/** Sample records at 1 000 ms, correlation id corr-1; the sample change is an nginx config edit (corr-2). */
export const { result, audit, change } = recordBuilders({
  atMs: 1_000,
  correlationId: 'corr-1',
  change: {
    command: 'nginx_config',
    path: '/etc/nginx/nginx.conf',
    change: 'modified',
    oldHash: 'sha256:aa',
    newHash: 'sha256:bb',
    correlationId: 'corr-2',
  },
});

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
