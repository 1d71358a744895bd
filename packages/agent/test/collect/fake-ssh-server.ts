/**
 * An in-process ssh2 Server for fast unit tests of the SSH client side:
 * every exec goes to `onExec`, which decides what the "remote" does.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { ServerChannel, Connection } from 'ssh2';
import { fingerprintOf } from '../../src/collect/host-key-verifier.js';

const { Server, utils } = ssh2;

export interface FakeExec {
  command: string;
  stream: ServerChannel;
  /** Signals the client sent on this channel ("KILL", ...). */
  signals: string[];
  connection: Connection;
}

export interface FakeServerOptions {
  onExec: (exec: FakeExec) => void;
  /** Reject every authentication attempt. */
  rejectAuth?: boolean;
  /** Refuse session channels. */
  rejectSessions?: boolean;
  /** Delay answering exec requests (the client's channel is "opening" meanwhile). */
  holdExec?: (command: string) => Promise<void> | undefined;
}

export interface FakeServer {
  port: number;
  address: string;
  hostKeyFingerprint: string;
  clientKeyPem: string;
  connections: Connection[];
  /** Total session channels opened, and currently open. */
  sessionsOpened: () => number;
  sessionsOpen: () => number;
  close(): Promise<void>;
}

/** The marker the exec wrapper asks the remote shell to print. */
export function markerNonce(command: string): string | undefined {
  return /@@INFRA-PGID:([A-Za-z0-9_-]+):/.exec(command)?.[1];
}

/** What the remote shell would print first on stderr, for a pretend PID. */
export function markerLine(command: string, pid: number): string {
  return `@@INFRA-PGID:${markerNonce(command)}:${pid}\n`;
}

/**
 * ssh2's generateKeyPairSync('ed25519') occasionally (~0.3%) produces a
 * private key its own parser rejects ("Malformed OpenSSH private key"):
 * generate until it parses.
 */
export function generateUsableKeyPair(type: 'ed25519' | 'ecdsa' = 'ed25519'): { private: string; public: string } {
  for (;;) {
    const pair = type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const hostKey = generateUsableKeyPair();
  const clientKey = generateUsableKeyPair();
  const parsed = utils.parseKey(hostKey.public);
  if (parsed instanceof Error) throw parsed;
  const fingerprint = fingerprintOf(parsed.getPublicSSH());
  const connections: Connection[] = [];
  let opened = 0;
  let open = 0;

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (options.rejectAuth || ctx.method !== 'publickey') return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept, reject) => {
        if (options.rejectSessions) return reject();
        const session = accept();
        opened++;
        open++;
        let counted = true;
        const done = (): void => {
          if (counted) open--;
          counted = false;
        };
        const signals: string[] = [];
        session.on('signal', (_accept: unknown, _reject: unknown, info: { name: string }) => {
          signals.push(info.name);
        });
        session.on('exec', (acceptExec, _rejectExec, info) => {
          const run = (): void => {
            const stream = acceptExec();
            stream.on('close', done);
            options.onExec({ command: info.command, stream, signals, connection: client });
          };
          const hold = options.holdExec?.(info.command);
          if (hold) void hold.then(run);
          else run();
        });
        session.on('close', done);
      });
    });
  });
  // No Nagle on the server side either (otherwise ~40 ms per round trip).
  (server as unknown as { _srv: import('node:net').Server })._srv.on('connection', (sock) => sock.setNoDelay(true));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: '127.0.0.1',
    hostKeyFingerprint: fingerprint,
    clientKeyPem: clientKey.private,
    connections,
    sessionsOpened: () => opened,
    sessionsOpen: () => open,
    async close() {
      for (const c of connections) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
