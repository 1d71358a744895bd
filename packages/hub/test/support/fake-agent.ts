/**
 * A real `ws` client acting as an agent: sends frames encoded with the
 * shared codec, decodes and validates what the hub sends.
 */
import { WebSocket } from 'ws';
import {
  encode,
  decode,
  parseHubToAgentMessage,
  PROTOCOL_VERSION,
  type AgentHello,
  type HubCollectRequest,
  type HubToAgentMessage,
  type HubWelcome,
  type WireRecord,
} from '@infrastructor/shared';
import { EPOCH_A } from './records.js';

export interface Closed {
  code: number;
  reason: string;
}

export class FakeAgent {
  readonly frames: HubToAgentMessage[] = [];
  readonly collects: HubCollectRequest[] = [];
  readonly closed: Promise<Closed>;
  /** Answers `collect` frames when set (return undefined to stay silent). */
  onCollect: ((req: HubCollectRequest) => object | undefined) | undefined;
  #buffer: HubToAgentMessage[] = [];
  #waiters: { pred: (m: HubToAgentMessage) => boolean; resolve: (m: HubToAgentMessage) => void; reject: (err: Error) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        // whoever still waits for a frame will not get one
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`connection closed (${code} ${reason.toString('utf8')}) while waiting for a frame`));
        resolve({ code, reason: reason.toString('utf8') });
      }),
    );
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const msg = parseHubToAgentMessage(decode(data as Buffer));
      this.frames.push(msg);
      if (msg.t === 'collect') {
        this.collects.push(msg);
        const answer = this.onCollect?.(msg);
        if (answer !== undefined) this.send(answer);
      }
      const w = this.#waiters.find((x) => x.pred(msg));
      if (w) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(msg);
      } else this.#buffer.push(msg);
    });
  }

  static connect(baseUrl: string, token: string | undefined, options: { autoPong?: boolean; ca?: Buffer } = {}): Promise<FakeAgent> {
    const ws = new WebSocket(`${baseUrl}/agent`, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      autoPong: options.autoPong ?? true,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FakeAgent(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The next frame matching pred (buffered or future); consumed. */
  next<T extends HubToAgentMessage['t']>(t: T, pred: (m: Extract<HubToAgentMessage, { t: T }>) => boolean = () => true): Promise<Extract<HubToAgentMessage, { t: T }>> {
    const match = (m: HubToAgentMessage): boolean => m.t === t && pred(m as Extract<HubToAgentMessage, { t: T }>);
    const i = this.#buffer.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#buffer.splice(i, 1)[0] as Extract<HubToAgentMessage, { t: T }>);
    return new Promise((resolve, reject) => this.#waiters.push({ pred: match, resolve: (m) => resolve(m as Extract<HubToAgentMessage, { t: T }>), reject }));
  }

  send(msg: object): void {
    this.ws.send(encode(msg));
  }

  sendRaw(data: Buffer | string, binary = true): void {
    this.ws.send(data, { binary });
  }

  async hello(over: Partial<AgentHello> = {}): Promise<HubWelcome> {
    this.send({
      t: 'hello',
      protocol: PROTOCOL_VERSION,
      agentId: 'a1',
      site: 'alpha',
      epoch: EPOCH_A,
      firstSeq: 0,
      lastSeq: 0,
      version: '0.1.0-test',
      jobs: [
        { host: 'nas', command: 'system_info', schedule: '*/5 * * * *', intervalMs: 300_000 },
        { host: 'nas', command: 'disk_usage', schedule: '0 * * * *', intervalMs: 3_600_000 },
      ],
      ...over,
    });
    return this.next('welcome');
  }

  records(afterSeq: number, records: WireRecord[], epoch = EPOCH_A): void {
    this.send({ t: 'records', epoch, afterSeq, records });
  }

  /** Send a batch and wait for the hub's answer to it: ack or resend. */
  async batch(afterSeq: number, records: WireRecord[], epoch = EPOCH_A): Promise<Extract<HubToAgentMessage, { t: 'ack' | 'resend' }>> {
    this.records(afterSeq, records, epoch);
    const match = (m: HubToAgentMessage): boolean => m.t === 'ack' || m.t === 'resend';
    const i = this.#buffer.findIndex(match);
    const got = i >= 0 ? (this.#buffer.splice(i, 1)[0] as HubToAgentMessage) : await new Promise<HubToAgentMessage>((resolve, reject) => this.#waiters.push({ pred: match, resolve, reject }));
    if (got.t !== 'ack' && got.t !== 'resend') throw new Error('unreachable');
    return got;
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }
}
