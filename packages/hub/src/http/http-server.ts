/**
 * The hub's single HTTP(S) server: GET /healthz (open: for probes), GET
 * /status (a subscriber token in `Authorization: Bearer`, and only the
 * agents of the token's sites), and the WebSocket upgrades (/agent,
 * /subscribe) handed to the upgrade router. HTTPS when tls is configured
 * (cert and key read at start).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { InfraError } from '@infrastructor/shared';
import type { HubConfig } from '../config/hub-config.js';
import { noteFailure, type EventSink } from '../status/hub-counters.js';
import type { SubscriberPrincipal } from '../ports.js';
import { bearerToken } from '../agents/token-auth.js';
import { pathOf, type UpgradeRouter } from './upgrade-router.js';

export interface HttpRoutes {
  /** The status report as `sites` (['*'] = all) may see it. */
  status(sites: readonly string[]): unknown;
  /** The subscriber a bearer token belongs to, if any. */
  subscriber(token: string | undefined): SubscriberPrincipal | undefined;
}

export function createHubServer(config: Pick<HubConfig, 'tls'>, routes: HttpRoutes, router: UpgradeRouter, sink: EventSink): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { code: 'METHOD_NOT_ALLOWED' });
    if (path === '/healthz') return json(res, 200, { ok: true });
    if (path === '/status') {
      const principal = routes.subscriber(bearerToken(req));
      if (principal === undefined) {
        sink.counters.countIn('auth_failures_by_endpoint', 'status');
        noteFailure(sink, 'auth_failed', { endpoint: 'status', remote: req.socket.remoteAddress }, 'refused GET /status: missing or unknown token');
        res.setHeader('WWW-Authenticate', 'Bearer');
        return json(res, 401, { code: 'AUTH_FAILED' });
      }
      try {
        return json(res, 200, routes.status(principal.sites));
      } catch (err) {
        noteFailure(sink, 'status_report_failed', { err }, 'building /status failed');
        return json(res, 500, { code: 'INTERNAL' });
      }
    }
    return json(res, 404, { code: 'NOT_FOUND' });
  };
  const server = config.tls === undefined ? createHttpServer(onRequest) : createHttpsServer(readTls(config.tls), onRequest);
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => router.handle(req, socket, head));
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    sink.counters.count('http_client_errors');
    sink.logger.debug({ event: 'http_client_error', code: err.code }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Serve new connections with the certificate and key read again from their files (a reload); throws CONFIG_READ_FAILED. */
export function reloadTls(server: Server, tls: NonNullable<HubConfig['tls']>): void {
  if (!(server instanceof HttpsServer)) throw new InfraError('INTERNAL', 'the hub serves plain HTTP: TLS cannot be reloaded');
  server.setSecureContext(readTls(tls));
}

function readTls(tls: NonNullable<HubConfig['tls']>): { cert: Buffer; key: Buffer } {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InfraError('CONFIG_READ_FAILED', `cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err, details: { path } });
    }
  };
  return { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'key') };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Listen and resolve with the bound port (port 0 picks a free one). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const errno = (err as NodeJS.ErrnoException).code;
      const hint =
        errno === 'EADDRINUSE'
          ? ' (another process, maybe another hub, already listens there: stop it or change listen.port)'
          : errno === 'EACCES'
            ? ' (ports below 1024 need privileges: use a higher listen.port)'
            : errno === 'EADDRNOTAVAIL'
              ? ' (no interface of this machine has that address: check listen.host)'
              : '';
      reject(new InfraError('INTERNAL', `cannot listen on ${host}:${port}: ${err.message}${hint}`, { cause: err, details: { host, port } }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
