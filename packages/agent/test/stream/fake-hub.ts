/**
 * A hub played by a real `ws` WebSocketServer on 127.0.0.1 (port 0 unless
 * given, so a test can restart it on the same port). Every frame the agent
 * sends is decoded with the shared codec and validated with
 * `parseAgentMessage`; a frame that fails is kept in `invalidFrames`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import {
  decode,
  encode,
  parseAgentMessage,
  PROTOCOL_VERSION,
  type AgentHello,
  type AgentMessage,
  type AgentRecords,
} from '@infrastructor/shared';

export interface FakeHubOptions {
  port?: number;
  /** Answer every upgrade with this HTTP status instead of 101. */
  refuseWith?: number;
  /** ws answers pings itself unless false. */
  autoPong?: boolean;
  /** Called on each hello; default: welcome with ackedSeq 0. */
  onHello?: (conn: HubConnection, hello: AgentHello) => void;
}

type Waiter = { match: (m: AgentMessage) => boolean; resolve: (m: AgentMessage) => void };

export class HubConnection {
  readonly frames: AgentMessage[] = [];
  readonly invalidFrames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Waiter[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly headers: IncomingHttpHeaders,
    onMessage: (conn: HubConnection, m: AgentMessage) => void,
  ) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('message', (data, isBinary) => {
      let m: AgentMessage;
      try {
        if (!isBinary) throw new Error('text frame');
        m = parseAgentMessage(decode(data as Buffer));
      } catch (err) {
        this.invalidFrames.push(err instanceof Error ? err.message : String(err));
        return;
      }
      this.frames.push(m);
      onMessage(this, m);
      for (const w of [...this.#waiters]) {
        if (w.match(m)) {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          w.resolve(m);
        }
      }
    });
  }

  /** The first frame (already received or still to come) that matches. */
  waitFor<T extends AgentMessage>(match: (m: AgentMessage) => m is T): Promise<T>;
  waitFor(match: (m: AgentMessage) => boolean): Promise<AgentMessage>;
  waitFor(match: (m: AgentMessage) => boolean): Promise<AgentMessage> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  hello(): Promise<AgentHello> {
    return this.waitFor((m): m is AgentHello => m.t === 'hello');
  }

  records(): AgentRecords[] {
    return this.frames.filter((m): m is AgentRecords => m.t === 'records');
  }

  /** Resolves once a record with seq ≥ `seq` has arrived. */
  recordsUpTo(seq: number): Promise<AgentMessage> {
    return this.waitFor((m) => m.t === 'records' && m.records.some((r) => r.seq >= seq));
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(encode(message), { binary: true });
  }

  welcome(ackedSeq = 0, epochStatus: 'known' | 'new' | 'replaced' = 'new'): void {
    this.send({ t: 'welcome', protocol: PROTOCOL_VERSION, ackedSeq, epochStatus });
  }

  /**
   * Ping and wait for the pong. The agent handles frames in order and
   * synchronously, so everything sent before this was handled by the time it
   * resolves (and anything the agent sent in response arrived before the pong).
   */
  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }
}

export class FakeHub {
  readonly connections: HubConnection[] = [];
  readonly upgradeHeaders: IncomingHttpHeaders[] = [];
  #connWaiters: Array<{ n: number; resolve: (c: HubConnection) => void }> = [];
  #upgradeWaiters: Array<{ n: number; resolve: () => void }> = [];
  #onMessage: (conn: HubConnection, m: AgentMessage) => void = () => undefined;

  private constructor(
    readonly wss: WebSocketServer,
    readonly port: number,
    readonly options: FakeHubOptions,
  ) {}

  static async start(options: FakeHubOptions = {}): Promise<FakeHub> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      autoPong: options.autoPong ?? true,
      verifyClient: (info, cb) => {
        hub.recordUpgrade(info.req.headers);
        if (options.refuseWith !== undefined) cb(false, options.refuseWith, 'Refused');
        else cb(true);
      },
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const address = wss.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected address');
    const hub: FakeHub = new FakeHub(wss, address.port, options);
    wss.on('connection', (ws, req) => hub.#accept(ws, req.headers));
    return hub;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/agent`;
  }

  /** Called for every valid frame of every connection (the hub's ingest logic in a test). */
  onMessage(handler: (conn: HubConnection, m: AgentMessage) => void): void {
    this.#onMessage = handler;
  }

  /** The n-th connection (1-based), now or when it arrives. */
  connection(n: number): Promise<HubConnection> {
    const c = this.connections[n - 1];
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.#connWaiters.push({ n, resolve }));
  }

  /** Resolves once `n` upgrade requests (accepted or refused) have arrived. */
  upgradeAttempt(n: number): Promise<void> {
    if (this.upgradeHeaders.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#upgradeWaiters.push({ n, resolve }));
  }

  recordUpgrade(headers: IncomingHttpHeaders): void {
    this.upgradeHeaders.push(headers);
    for (const w of [...this.#upgradeWaiters]) {
      if (this.upgradeHeaders.length >= w.n) {
        this.#upgradeWaiters = this.#upgradeWaiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }

  #accept(ws: WebSocket, headers: IncomingHttpHeaders): void {
    const conn = new HubConnection(ws, headers, (c, m) => {
      if (m.t === 'hello') {
        if (this.options.onHello) this.options.onHello(c, m);
        else c.welcome(0);
      }
      this.#onMessage(c, m);
    });
    this.connections.push(conn);
    const n = this.connections.length;
    for (const w of [...this.#connWaiters]) {
      if (w.n === n) {
        this.#connWaiters = this.#connWaiters.filter((x) => x !== w);
        w.resolve(conn);
      }
    }
  }

  /** Stop listening and cut every connection. */
  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
