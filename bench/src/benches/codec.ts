/**
 * `pnpm bench codec`: the wire codec (packages/shared/src/codec.ts) against
 * JSON on typical events, in operations per second and bytes.
 *
 * - ours (wire): plain `encode` / `decode` — what the outbox stores and what
 *   every frame on the agent ↔ hub and hub → subscriber links is.
 * - ours (records): `createRecordCodec()` per stream, for comparison: the
 *   sender encodes a stream of same-shaped values; the receiver decodes them
 *   in order with a fresh codec (as a new connection would).
 * - baseline: `Buffer.from(JSON.stringify(v))` / `JSON.parse(buf.toString())`
 *   (bytes in and out, as a socket or the database would need them).
 */
import { createRecordCodec, decode, encode } from '@infrastructor/shared';
import type { Bench, BenchContext } from '../report.js';
import { auditEntry, eventsFrame, listContainersResult, systemMetricsResult } from '../sample-records.js';
import { compareOpsPerSecond, scaled, type OpsResult } from '../timing.js';

interface Sample {
  name: string;
  /** Distinct values of the same shape (a stream, not one object over and over). */
  values: unknown[];
}

const JSON_NAME = 'JSON.stringify+Buffer.from / toString+JSON.parse';

function samples(): Sample[] {
  const n = 64;
  const range = Array.from({ length: n }, (_, i) => i);
  return [
    { name: 'list_containers result, 30 containers', values: range.map((i) => listContainersResult(30, 'nas', i)) },
    { name: 'system_metrics result', values: range.map((i) => systemMetricsResult('nas', i)) },
    { name: 'audit row', values: range.map((i) => auditEntry('system_metrics', 'nas', i)) },
    { name: 'events frame, 50 events', values: range.slice(0, 8).map(() => eventsFrame(50)) },
  ];
}

/** Cycle through values; `fn` gets each in turn. */
function cycling<T>(values: readonly T[], fn: (v: T) => unknown): () => unknown {
  let i = 0;
  return () => {
    const v = values[i] as T;
    i = i + 1 === values.length ? 0 : i + 1;
    return fn(v);
  };
}

export const codecBench: Bench = async (ctx: BenchContext) => {
  const durationMs = scaled(3000, ctx.scale, 100);
  const warmupMs = scaled(1000, ctx.scale, 50);
  ctx.log(`codec: ${durationMs} ms per measurement after ${warmupMs} ms warm-up`);

  for (const s of samples()) {
    const jsonBytes = s.values.map((v) => Buffer.from(JSON.stringify(v), 'utf8'));
    const plainBytes = s.values.map((v) => encode(v));
    // Sequential record structures: a stream encoded by one codec, decoded in order by a fresh one.
    const streamCodec = createRecordCodec();
    const recordBytes = s.values.map((v) => streamCodec.encode(v));

    // Sanity: every flavour round-trips to the same value.
    const check = createRecordCodec();
    for (let i = 0; i < s.values.length; i++) {
      const want = JSON.stringify(s.values[i]);
      if (JSON.stringify(decode(plainBytes[i] as Buffer)) !== want) throw new Error(`${s.name}: plain codec does not round-trip`);
      if (JSON.stringify(check.decode(recordBytes[i] as Buffer)) !== want) throw new Error(`${s.name}: record codec does not round-trip`);
    }

    const encCodec = createRecordCodec();
    // A fresh receiver each time the stream starts over (structures are per stream).
    let recv = createRecordCodec();
    let at = 0;
    const recDecode = (): unknown => {
      if (at === 0) recv = createRecordCodec();
      const v = recv.decode(recordBytes[at] as Buffer);
      at = at + 1 === recordBytes.length ? 0 : at + 1;
      return v;
    };
    // Interleaved, so load from elsewhere on the machine hits ours and JSON alike.
    const [jsonEnc, plainEnc, recEnc] = compareOpsPerSecond(
      [
        cycling(s.values, (v) => Buffer.from(JSON.stringify(v), 'utf8')),
        cycling(s.values, (v) => encode(v)),
        cycling(s.values, (v) => encCodec.encode(v)),
      ],
      durationMs,
      warmupMs,
    ) as [OpsResult, OpsResult, OpsResult];
    const [jsonDec, plainDec, recDec] = compareOpsPerSecond(
      [cycling(jsonBytes, (b) => JSON.parse(b.toString('utf8'))), cycling(plainBytes, (b) => decode(b)), recDecode],
      durationMs,
      warmupMs,
    ) as [OpsResult, OpsResult, OpsResult];

    const avg = (bufs: readonly Buffer[], from = 0): number => bufs.slice(from).reduce((n, b) => n + b.byteLength, 0) / (bufs.length - from);
    const ops = (x: { opsPerSec: number }): number => Math.round(x.opsPerSec);
    const loses = (ours: number, json: number, what: string): string | undefined =>
      ours < json ? `the wire codec ${what} ${(json / ours).toFixed(2)}× slower than JSON here` : undefined;

    const add = (c: string, ours: number, baseline: number, unit: string, higherIsBetter: boolean, wire: boolean, note?: string): void => {
      ctx.reporter.add({
        bench: 'codec',
        case: `${s.name}: ${c}`,
        unit,
        ours,
        baseline,
        baselineName: unit === 'B' ? 'JSON bytes' : JSON_NAME,
        higherIsBetter,
        ...(wire ? { target: { ratioAtLeast: 1 } } : {}),
        ...(note ? { note } : {}),
      });
    };
    add('encode, wire (plain msgpack)', ops(plainEnc), ops(jsonEnc), 'ops/s', true, true, loses(plainEnc.opsPerSec, jsonEnc.opsPerSec, 'encodes'));
    add('decode, wire (plain msgpack)', ops(plainDec), ops(jsonDec), 'ops/s', true, true, loses(plainDec.opsPerSec, jsonDec.opsPerSec, 'decodes'));
    add('encode, record structures', ops(recEnc), ops(jsonEnc), 'ops/s', true, false);
    add('decode, record structures', ops(recDec), ops(jsonDec), 'ops/s', true, false);
    add('size, wire (plain msgpack)', Math.round(avg(plainBytes)), Math.round(avg(jsonBytes)), 'B', false, true);
    // After the first value the structure is known: that is the steady-state size.
    add('size, record structures (after the first)', Math.round(avg(recordBytes, 1)), Math.round(avg(jsonBytes)), 'B', false, false);
  }
};
