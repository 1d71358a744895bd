/**
 * A real subscriber endpoint for tests: an http server on port 0 whose
 * upgrade resolves `Authorization: Bearer <token>` against a fixed table of
 * principals (401 otherwise) and hands the socket to the gateway; plus a
 * raw ws client that decodes and checks what the hub sends.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import {
  decode,
  DEFAULT_SUBSCRIBER_MAX_PAYLOAD_BYTES,
  encode,
  parseHubToSubscriberMessage,
  PROTOCOL_VERSION,
  type HubEvent,
  type HubToSubscriberMessage,
} from '@infrastructor/shared';
import type { CollectRelay, CollectRelayRequest, HubEventInput, SubscriberPrincipal } from '../../src/ports.js';
import { createSubscriberSide, type SubscriberSide, type SubscriberSideOptions } from '../../src/subscribers/create-subscriber-side.js';

export const PRINCIPALS: Record<string, SubscriberPrincipal> = {
  'all-viewer': { name: 'all-viewer', role: 'viewer', sites: ['*'] },
  'all-operator': { name: 'all-operator', role: 'operator', sites: ['*'] },
  'a-viewer': { name: 'a-viewer', role: 'viewer', sites: ['a'] },
  'a-operator': { name: 'a-operator', role: 'operator', sites: ['a'] },
};

export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A relay that records requests and answers with what the test sets. */
export function fakeRelay(answer: (r: CollectRelayRequest) => Awaited<ReturnType<CollectRelay['collect']>>): CollectRelay & { calls: CollectRelayRequest[] } {
  const calls: CollectRelayRequest[] = [];
  return {
    calls,
    collect: (r) => {
      calls.push(r);
      return Promise.resolve(answer(r));
    },
  };
}

export interface TestHub extends SubscriberSide {
  url: string;
  logs: () => Array<Record<string, unknown>>;
  /** The server end of every accepted socket, in order. */
  serverSockets: WebSocket[];
  publish(...inputs: HubEventInput[]): void;
  /** Resolves when the server end of the i-th accepted socket has closed. */
  serverClosed(i: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestHub(options: Partial<SubscriberSideOptions> = {}, serverOptions: { tls?: { cert: Buffer; key: Buffer } } = {}): Promise<TestHub> {
  const { logger, lines } = captureLogger();
  const side = createSubscriberSide({
    logger,
    ...options,
    relay: options.relay ?? fakeRelay(() => ({ ok: false, error: { code: 'AGENT_OFFLINE', message: 'no agent' } })),
    gateway: { pingIntervalMs: 0, ...options.gateway },
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: DEFAULT_SUBSCRIBER_MAX_PAYLOAD_BYTES, perMessageDeflate: false });
  const serverSockets: WebSocket[] = [];
  const notFound = (_req: unknown, res: { writeHead(code: number): { end(): void } }): void => res.writeHead(404).end();
  const server: Server = serverOptions.tls ? createTlsServer(serverOptions.tls, notFound) : createServer(notFound);
  server.on('upgrade', (req, socket, head) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal = token === undefined ? undefined : PRINCIPALS[token];
    if (!principal) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serverSockets.push(ws);
      side.gateway.accept(ws, principal, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...side,
    url: `${serverOptions.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    logs: lines,
    serverSockets,
    publish: (...inputs) => side.state.publish(inputs),
    serverClosed: async (i) => {
      const ws = serverSockets[i];
      if (!ws) throw new Error(`no socket ${i}`);
      if (ws.readyState !== WebSocket.CLOSED) await new Promise((resolve) => ws.once('close', resolve));
    },
    close: async () => {
      await side.gateway.close();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function result(site: string, host: string, command: string, data: unknown, timeMs = 1_700_000_000_000): HubEventInput {
  return { kind: 'result', topic: `site/${site}/host/${host}/${command}`, site, timeMs, data, retain: true };
}

export function change(site: string, host: string, command: string, data: unknown): HubEventInput {
  return { kind: 'change', topic: `changes/${site}/${host}/${command}`, site, timeMs: 1_700_000_000_000, data, retain: false };
}

export function agent(site: string, agentId: string, data: unknown): HubEventInput {
  return { kind: 'agent', topic: `agents/${site}/${agentId}`, site, timeMs: 1_700_000_000_000, data, retain: true };
}

/** A raw subscriber client: sends MessagePack frames, checks and queues what comes back. */
export class TestSubscriber {
  readonly received: HubToSubscriberMessage[] = [];
  frames = 0;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames++;
      this.received.push(parseHubToSubscriberMessage(decode(data)));
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('error', () => {});
  }

  static async connect(url: string, token: string, wsOptions: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<TestSubscriber> {
    const ws = new WebSocket(`${url}/subscribe`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, ...wsOptions });
    const sub = new TestSubscriber(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return sub;
  }

  /** Connect, hello, wait for welcome. */
  static async ready(url: string, token: string): Promise<TestSubscriber> {
    const sub = await TestSubscriber.connect(url, token);
    sub.send({ t: 'hello', protocol: PROTOCOL_VERSION, client: 'test' });
    await sub.waitFor((m) => m.t === 'welcome');
    return sub;
  }

  send(msg: unknown): void {
    this.ws.send(encode(msg));
  }

  subscribe(topics: string[], extra: Record<string, unknown> = {}): void {
    this.send({ t: 'subscribe', topics, replace: false, ...extra });
  }

  /** Wait until a received message satisfies the predicate; returns it. Fails if the socket closes first. */
  async waitFor<T extends HubToSubscriberMessage>(pred: (m: HubToSubscriberMessage) => m is T): Promise<T>;
  async waitFor(pred: (m: HubToSubscriberMessage) => boolean): Promise<HubToSubscriberMessage>;
  async waitFor(pred: (m: HubToSubscriberMessage) => boolean): Promise<HubToSubscriberMessage> {
    for (;;) {
      const found = this.received.find(pred);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed before the expected message; got ${JSON.stringify(this.received.map((m) => m.t))}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Every event received so far (events frames and snapshot entries), in arrival order. */
  events(): HubEvent[] {
    return this.received.flatMap((m) => (m.t === 'events' ? m.events : m.t === 'snapshot' ? m.entries : []));
  }

  /** Live events only (from events frames). */
  liveEvents(): HubEvent[] {
    return this.received.flatMap((m) => (m.t === 'events' ? m.events : []));
  }

  async waitForLiveEvents(count: number): Promise<HubEvent[]> {
    for (;;) {
      const evs = this.liveEvents();
      if (evs.length >= count) return evs;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed after ${evs.length} of ${count} events`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
