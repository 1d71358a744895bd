/**
 * The replay benchmark's upper bound: read the outbox rows straight from the
 * agent's SQLite file, frame them exactly as the agent does (`records`
 * frames, plain MessagePack, same batch limits) and push them over ONE raw
 * WebSocket to a server that only counts bytes. No acks, no window, no
 * validation, no database writes at the far end.
 */
import Database from 'better-sqlite3';
import WebSocket, { WebSocketServer } from 'ws';
import { encode, type AgentRecords, type WireRecord } from '@infrastructor/shared';
import { msSince, nowNs } from './timing.js';

export interface RawReplayOutcome {
  records: number;
  bytes: number;
  ms: number;
}

export async function rawWsReplay(dbPath: string, epoch: string, limits: { batchMaxRecords: number; batchMaxBytes: number }): Promise<RawReplayOutcome> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  let received = 0;
  let expected = -1;
  let onAll: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => (onAll = resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      received += data.byteLength;
      if (expected >= 0 && received >= expected) onAll();
    });
  });

  const db = new Database(dbPath, { readonly: true });
  try {
    const start = nowNs();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let sent = 0;
    let records = 0;
    let afterSeq = 0;
    let batch: WireRecord[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const frame: AgentRecords = { t: 'records', epoch, afterSeq, records: batch };
      const bytes = encode(frame);
      sent += bytes.byteLength;
      records += batch.length;
      afterSeq = (batch[batch.length - 1] as WireRecord).seq;
      batch = [];
      batchBytes = 0;
      // Bounded buffering: wait for the socket when more than 8 MiB is queued.
      if (ws.bufferedAmount > 8 * 1024 * 1024) await new Promise<void>((resolve) => ws.send(bytes, { binary: true }, () => resolve()));
      else ws.send(bytes, { binary: true });
    };
    const rows = db.prepare('SELECT seq, kind, created_at_ms, payload FROM outbox ORDER BY seq');
    for (const raw of rows.iterate()) {
      const r = raw as { seq: number; kind: WireRecord['kind']; created_at_ms: number; payload: Buffer };
      if (batch.length > 0 && (batch.length >= limits.batchMaxRecords || batchBytes + r.payload.byteLength > limits.batchMaxBytes)) await flush();
      batch.push({ seq: r.seq, kind: r.kind, createdAtMs: r.created_at_ms, payload: r.payload });
      batchBytes += r.payload.byteLength;
    }
    await flush();
    expected = sent;
    if (received >= expected) onAll();
    await allReceived;
    const ms = msSince(start);
    ws.close();
    return { records, bytes: sent, ms };
  } finally {
    db.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}
