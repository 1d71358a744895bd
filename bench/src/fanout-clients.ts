/**
 * Helper process for the fan-out benchmark (bench/src/benches/fanout.ts):
 * either the 100 subscribers or the one publisher, for our hub (WebSocket
 * /subscribe and a fake agent on /agent) or for mosquitto (MQTT.js, QoS 0).
 * Runs apart from the broker so the broker's event loop is measured alone.
 *
 * Every event carries its send time on the machine-wide monotonic clock;
 * "probe" subscribers decode each event and record publish → receipt
 * latency, the others only count events (from the frame's array header for
 * the hub, one per message for MQTT), so client work stays small.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { serveRequests } from './child-worker.js';
import { LatencySamples, monoMs } from './latency.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
const pack = (v: unknown): Buffer => packr.pack(v);

/** `{t:'events', events:[` as the hub writes it; the array header follows at this offset. */
const EVENTS_PREFIX = Buffer.concat([Buffer.from([0x82, 0xa1, 0x74, 0xa6]), Buffer.from('events'), Buffer.from([0xa6]), Buffer.from('events')]);

function arrayCount(buf: Buffer, at: number): number | undefined {
  const b = buf[at];
  if (b === undefined) return undefined;
  if ((b & 0xf0) === 0x90) return b & 0x0f;
  if (b === 0xdc) return buf.readUInt16BE(at + 1);
  if (b === 0xdd) return buf.readUInt32BE(at + 1);
  return undefined;
}

// ---------------------------------------------------------------- subscribers

let delivered = 0;
let lastReceiptMs = 0;
let closedEarly = 0;
const closeCodes: Record<string, number> = {};
const latency = new LatencySamples();
let windowStartMs = 0;
const subs: Array<{ close(): void }> = [];

function onHubFrame(data: Buffer, probe: boolean): 'events' | string {
  if (data.length > EVENTS_PREFIX.length && data.subarray(0, EVENTS_PREFIX.length).equals(EVENTS_PREFIX)) {
    const n = arrayCount(data, EVENTS_PREFIX.length);
    if (n !== undefined && !probe) {
      delivered += n;
      lastReceiptMs = monoMs();
      return 'events';
    }
  }
  const msg = unpackr.unpack(data) as { t: string; events?: Array<{ data?: { data?: { t?: number } } }> };
  if (msg.t === 'events' && msg.events) {
    const now = monoMs();
    delivered += msg.events.length;
    lastReceiptMs = now;
    if (probe) for (const e of msg.events) {
      const t = e.data?.data?.t;
      if (typeof t === 'number') latency.add(now - t);
    }
  }
  return msg.t;
}

async function connectHubSubscribers(url: string, token: string, count: number, probes: number): Promise<void> {
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const probe = i < probes;
    const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    subs.push({ close: () => ws.terminate() });
    ready.push(
      new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => {
          ws.send(pack({ t: 'hello', protocol: 1, client: `bench-${i}` }));
          ws.send(pack({ t: 'subscribe', topics: ['site/#'] }));
        });
        ws.on('message', (data: Buffer) => {
          if (onHubFrame(data, probe) === 'snapshot') resolve();
        });
        ws.once('close', (code: number) => {
          closedEarly++;
          closeCodes[String(code)] = (closeCodes[String(code)] ?? 0) + 1;
        });
      }),
    );
  }
  await Promise.all(ready);
}

async function connectMqttSubscribers(port: number, count: number, probes: number): Promise<void> {
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const probe = i < probes;
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `bench-sub-${i}-${randomBytes(3).toString('hex')}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
    subs.push({ close: () => client.end(true) });
    client.on('message', (_topic: string, payload: Buffer) => {
      delivered++;
      const now = monoMs();
      lastReceiptMs = now;
      if (probe) latency.add(now - payload.readDoubleLE(0));
    });
    client.on('close', () => {
      closedEarly++;
      closeCodes['mqtt-close'] = (closeCodes['mqtt-close'] ?? 0) + 1;
    });
    ready.push(
      new Promise<void>((resolve, reject) => {
        client.once('error', reject);
        client.once('connect', () => client.subscribe('bench/#', { qos: 0 }, (err) => (err ? reject(err) : resolve())));
      }),
    );
  }
  await Promise.all(ready);
}

// ---------------------------------------------------------------- publisher

interface Publisher {
  publish(n: number): void;
}

let publisher: Publisher | undefined;
let published = 0;

/** One result record as the agent would store it, padded so the hub event is about `eventBytes`. */
function resultEntryFor(i: number, padLength: number, pad: string): Record<string, unknown> {
  return {
    host: `h${i % 50}`,
    command: 'bench',
    paramsHash: '',
    params: {},
    collectedAtMs: Date.now(),
    durationMs: 1,
    bytes: 1000,
    data: { t: monoMs(), pad: padLength === pad.length ? pad : pad.slice(0, padLength) },
    correlationId: `c${i}`,
  };
}

/** The pad length that makes the published HubEvent about `eventBytes` long. */
function hubPadLength(eventBytes: number): number {
  const probe = (pad: number): number =>
    pack({
      seq: 1_000_000,
      topic: 'site/bench/host/h10/bench',
      topicSeq: 100_000,
      kind: 'result',
      timeMs: Date.now(),
      data: { agentId: 'bench-agent', site: 'bench', ...resultEntryFor(10, pad, 'x'.repeat(pad)), correlationId: 'c1000000' },
    }).length;
  let pad = Math.max(0, eventBytes - probe(0));
  while (pad > 0 && probe(pad) > eventBytes) pad--;
  return pad;
}

async function connectHubPublisher(url: string, token: string, eventBytes: number): Promise<Publisher> {
  const ws = new WebSocket(`${url}/agent`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const epoch = randomBytes(8).toString('hex');
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(pack({ t: 'hello', protocol: 1, agentId: 'bench-agent', site: 'bench', epoch, firstSeq: 0, lastSeq: 0, version: 'bench', jobs: [] })));
    ws.on('message', (data: Buffer) => {
      const m = unpackr.unpack(data) as { t: string; code?: string; message?: string };
      if (m.t === 'welcome') resolve();
      else if (m.t === 'error') reject(new Error(`hub: ${m.code}: ${m.message}`));
    });
  });
  const padLength = hubPadLength(eventBytes);
  const pad = 'x'.repeat(padLength);
  let seq = 0;
  return {
    publish(n) {
      const afterSeq = seq;
      const records = [];
      for (let k = 0; k < n; k++) {
        seq++;
        records.push({ seq, kind: 'result', createdAtMs: Date.now(), payload: pack(resultEntryFor(seq, padLength, pad)) });
      }
      ws.send(pack({ t: 'records', epoch, afterSeq, records }));
    },
  };
}

async function connectMqttPublisher(port: number, eventBytes: number): Promise<Publisher> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `bench-pub-${randomBytes(3).toString('hex')}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('connect', () => resolve());
  });
  let i = 0;
  return {
    publish(n) {
      for (let k = 0; k < n; k++) {
        const payload = Buffer.alloc(eventBytes, 0x78);
        payload.writeDoubleLE(monoMs(), 0);
        client.publish(`bench/h${i++ % 50}`, payload, { qos: 0 });
      }
    },
  };
}

/** Publish `rate` events/s for `durationMs`, in 5 ms ticks (as many as are due each tick). */
function runPublisher(p: Publisher, rate: number, durationMs: number): Promise<{ sent: number; elapsedMs: number }> {
  const t0 = monoMs();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const elapsed = monoMs() - t0;
      const due = Math.floor((rate * Math.min(elapsed, durationMs)) / 1000) - sent;
      if (due > 0) {
        // At most 10 000 records per agent frame (the protocol's limit).
        for (let left = due; left > 0; left -= 10_000) p.publish(Math.min(left, 10_000));
        sent += due;
        published += due;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve({ sent, elapsedMs: monoMs() - t0 });
      }
    };
    const timer = setInterval(tick, 5);
  });
}

// ---------------------------------------------------------------- requests

serveRequests(async (msg) => {
  switch (msg['cmd']) {
    case 'connect-subscribers': {
      const count = Number(msg['count']);
      const probes = Number(msg['probes']);
      if (msg['mode'] === 'hub') await connectHubSubscribers(String(msg['url']), String(msg['token']), count, probes);
      else await connectMqttSubscribers(Number(msg['port']), count, probes);
      closedEarly = 0;
      return { connected: subs.length };
    }
    case 'connect-publisher': {
      const eventBytes = Number(msg['eventBytes']);
      publisher =
        msg['mode'] === 'hub'
          ? await connectHubPublisher(String(msg['url']), String(msg['token']), eventBytes)
          : await connectMqttPublisher(Number(msg['port']), eventBytes);
      return {};
    }
    case 'publish': {
      if (!publisher) throw new Error('publisher not connected');
      return await runPublisher(publisher, Number(msg['rate']), Number(msg['durationMs']));
    }
    case 'window-start':
      delivered = 0;
      latency.reset();
      windowStartMs = monoMs();
      return {};
    case 'window-end': {
      const durationMs = monoMs() - windowStartMs;
      return { delivered, durationMs, latency: latency.summary(), closed: closedEarly, closeCodes };
    }
    case 'quiet': {
      // Wait until nothing arrived for quietMs (the backlog drained), at most maxMs.
      const quietMs = Number(msg['quietMs']);
      const maxMs = Number(msg['maxMs']);
      const start = monoMs();
      lastReceiptMs = Math.max(lastReceiptMs, start);
      while (monoMs() - lastReceiptMs < quietMs && monoMs() - start < maxMs) await new Promise((r) => setTimeout(r, 20));
      return { waitedMs: monoMs() - start, drained: monoMs() - lastReceiptMs >= quietMs };
    }
    case 'close':
      for (const s of subs) s.close();
      return { published };
    default:
      throw new Error(`unknown command ${String(msg['cmd'])}`);
  }
});
