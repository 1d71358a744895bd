/**
 * HTTP upgrade handling for the two WebSocket endpoints. The token is
 * checked BEFORE the WebSocket is accepted: a missing or unknown bearer
 * token (or a token of the wrong kind for the path) gets HTTP 401 with the
 * JSON body {"code":"AUTH_FAILED"} and no WebSocket; an unknown path gets
 * 404; a hub that is shutting down answers 503.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AGENT_PATH, SUBSCRIBE_PATH } from '@infrastructor/shared';
import type { AgentEndpoint } from '../agents/agent-endpoint.js';
import { bearerToken, type TokenAuthenticator } from '../agents/token-auth.js';
import type { SubscriberGateway } from '../ports.js';
import { noteFailure, type EventSink } from '../status/hub-counters.js';

export interface UpgradeRouterOptions {
  auth: TokenAuthenticator;
  agents: AgentEndpoint;
  gateway: SubscriberGateway | undefined;
  subscriberMaxPayloadBytes: number;
  sink: EventSink;
  isClosing(): boolean;
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

/** Answer an upgrade request with a plain HTTP response and close the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 404 | 503, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer'] : []),
    'Connection: close',
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}

export class UpgradeRouter {
  readonly #o: UpgradeRouterOptions;
  readonly #subscriberWss: WebSocketServer;

  constructor(options: UpgradeRouterOptions) {
    this.#o = options;
    this.#subscriberWss = new WebSocketServer({ noServer: true, maxPayload: options.subscriberMaxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  }

  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { sink, auth } = this.#o;
    socket.on('error', () => socket.destroy());
    const path = pathOf(request.url);
    const remote = request.socket.remoteAddress ?? 'unknown';
    if (this.#o.isClosing()) return refuseUpgrade(socket, 503, { code: 'HUB_SHUTTING_DOWN' });
    if (path === AGENT_PATH) {
      const principal = auth.agent(bearerToken(request));
      if (principal === undefined) return this.#authFailed(socket, 'agent', remote);
      this.#o.agents.handleUpgrade(request, socket, head, principal);
      return;
    }
    if (path === SUBSCRIBE_PATH && this.#o.gateway !== undefined) {
      const gateway = this.#o.gateway;
      const principal = auth.subscriber(bearerToken(request));
      if (principal === undefined) return this.#authFailed(socket, 'subscriber', remote);
      this.#subscriberWss.handleUpgrade(request, socket, head, (ws) => {
        sink.counters.count('subscriber_connections_accepted');
        gateway.accept(ws, principal, request);
      });
      return;
    }
    noteFailure(sink, 'upgrade_path_unknown', { path: path.slice(0, 200), remote }, 'WebSocket upgrade for an unknown path');
    refuseUpgrade(socket, 404, { code: 'NOT_FOUND' });
  }

  #authFailed(socket: Duplex, endpoint: 'agent' | 'subscriber', remote: string): void {
    this.#o.sink.counters.countIn('auth_failures_by_endpoint', endpoint);
    noteFailure(this.#o.sink, 'auth_failed', { endpoint, remote }, `refused a ${endpoint} connection: missing or unknown token`);
    refuseUpgrade(socket, 401, { code: 'AUTH_FAILED' });
  }

  close(): void {
    this.#subscriberWss.close();
  }
}

export function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://hub.invalid').pathname;
  } catch {
    return '';
  }
}
