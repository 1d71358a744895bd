/**
 * A TCP proxy on 127.0.0.1 between an agent and the hub, so tests can cut
 * the link (reset every connection) or refuse new ones, without touching
 * either process.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Destroy every open connection now (both directions), like a link cut. */
  cut(): void;
  /** While blocked, new connections are accepted and destroyed at once. */
  block(blocked: boolean): void;
  /** Point at another upstream port (the hub restarted on a new port). */
  retarget(port: number): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let target = targetPort;
  let blocked = false;
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = net.connect({ port: target, host: targetHost });
    upstream.setNoDelay(true);
    const pair = { a: client, b: upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
  return {
    port: address.port,
    cut() {
      for (const p of [...pairs]) {
        p.a.resetAndDestroy();
        p.b.resetAndDestroy();
      }
      pairs.clear();
    },
    block(b) {
      blocked = b;
    },
    retarget(port) {
      target = port;
    },
    connections: () => pairs.size,
    close() {
      for (const p of [...pairs]) {
        p.a.destroy();
        p.b.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
