/**
 * The client end of /subscribe for `infra-hub watch` and `request`: opens
 * the WebSocket with `Authorization: Bearer <token>` (an optional private CA
 * for wss), says hello, waits for welcome, then hands out checked messages
 * one at a time.
 */
import { WebSocket, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import {
  decode,
  encode,
  InfraError,
  parseHubToSubscriberMessage,
  PROTOCOL_VERSION,
  SUBSCRIBE_PATH,
  toInfraError,
  type HubToSubscriberMessage,
  type SubscriberMessage,
  type SubscriberWelcome,
} from '@infrastructor/shared';

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** What the hub may send in one frame (snapshots can be large). */
const CLIENT_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

export interface HubConnectionOptions {
  url: string;
  token: string;
  /** PEM of a private CA for wss:// */
  ca?: Buffer;
  /** Free text for the hub's logs. */
  client: string;
  signal?: AbortSignal;
}

export type HubInbound = { kind: 'message'; msg: HubToSubscriberMessage } | { kind: 'closed'; code: number; reason: string };

/** ws://host:port → ws://host:port/subscribe; http(s) → ws(s). Throws CONFIG_INVALID. */
export function subscriberUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InfraError('CONFIG_INVALID', `--url ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new InfraError('CONFIG_INVALID', `--url must be ws://, wss://, http:// or https:// (got ${url.protocol})`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = SUBSCRIBE_PATH;
  return url.toString();
}

export class HubConnection {
  private readonly inbox: HubInbound[] = [];
  private waiter: ((item: HubInbound) => void) | undefined;
  private closedItem: HubInbound | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly welcome: SubscriberWelcome,
  ) {}

  /** Connect and complete hello/welcome. Rejects AUTH_FAILED (401), FORBIDDEN (403), HUB_UNREACHABLE, ABORTED, PROTOCOL_VERSION_MISMATCH. */
  static open(options: HubConnectionOptions): Promise<HubConnection> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new InfraError('ABORTED', 'aborted before connecting'));
        return;
      }
      const url = subscriberUrl(options.url);
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${options.token}` },
        ...(options.ca && { ca: options.ca }),
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: CLIENT_MAX_PAYLOAD_BYTES,
      });
      let conn: HubConnection | undefined;
      let settled = false;
      const fail = (err: InfraError): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        ws.terminate();
        reject(err);
      };
      const onAbort = (): void => {
        if (conn) conn.abort();
        else fail(new InfraError('ABORTED', 'aborted while connecting'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });

      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status === 401) {
          fail(
            new InfraError('AUTH_FAILED', `the hub at ${url} rejected the token (HTTP 401): check --token / INFRA_HUB_TOKEN against the hub's subscribers list (an agent token does not work here)`, {
              details: { status },
            }),
          );
        } else if (status === 403) fail(new InfraError('FORBIDDEN', `the hub at ${url} refused this token (HTTP 403): it does not allow this`, { details: { status } }));
        else fail(new InfraError('HUB_UNREACHABLE', `the hub at ${url} answered HTTP ${status} instead of a WebSocket upgrade`, { details: { status } }));
      });
      ws.on('error', (err) => {
        if (!settled) fail(new InfraError('HUB_UNREACHABLE', `cannot reach the hub at ${url}: ${err.message}`, { cause: err }));
      });
      ws.on('open', () => {
        ws.send(encode({ t: 'hello', protocol: PROTOCOL_VERSION, client: options.client } satisfies SubscriberMessage));
      });
      ws.on('message', (data: RawData) => {
        let msg: HubToSubscriberMessage;
        try {
          msg = parseHubToSubscriberMessage(decode(toBytes(data)));
        } catch (err) {
          const e = toInfraError(err, 'FRAME_INVALID');
          if (!conn) fail(e);
          else conn.push({ kind: 'closed', code: 4000, reason: `hub sent an invalid frame: ${e.message}` });
          ws.terminate();
          return;
        }
        if (conn) {
          conn.push({ kind: 'message', msg });
          return;
        }
        if (msg.t === 'error') {
          fail(new InfraError(msg.code, `the hub refused the connection: ${msg.message}`));
          return;
        }
        if (msg.t !== 'welcome') {
          fail(new InfraError('FRAME_INVALID', `expected welcome from the hub, got ${msg.t}`));
          return;
        }
        settled = true;
        conn = new HubConnection(ws, msg);
        resolve(conn);
      });
      ws.on('close', (code: number, reason: Buffer) => {
        options.signal?.removeEventListener('abort', onAbort);
        const text = reason.toString('utf8');
        if (conn) conn.push({ kind: 'closed', code, reason: text });
        else if (code === 4001) fail(new InfraError('PROTOCOL_VERSION_MISMATCH', `the hub closed the connection: ${text}`));
        else fail(new InfraError('HUB_UNREACHABLE', `the hub closed the connection before welcome (code ${code}${text ? `: ${text}` : ''})`));
      });
    });
  }

  send(msg: SubscriberMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(msg));
  }

  /** The next message, or `closed` (repeated forever once the connection ended). */
  next(): Promise<HubInbound> {
    const item = this.inbox.shift() ?? this.closedItem;
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  /** Ends the connection at once; `next()` reports closed with code 1000. */
  abort(): void {
    this.push({ kind: 'closed', code: 1000, reason: 'aborted' });
    this.ws.terminate();
  }

  private push(item: HubInbound): void {
    if (this.closedItem) return;
    // Once closed, every later next() (after the queued messages) sees the same close.
    if (item.kind === 'closed') this.closedItem = item;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(item);
    } else if (item.kind === 'message') this.inbox.push(item);
  }
}

function toBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
