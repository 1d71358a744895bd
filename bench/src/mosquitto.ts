/**
 * Start a private mosquitto broker for a baseline: a temp config with one
 * listener on 127.0.0.1:PORT (a free port), anonymous access, no
 * persistence, and `max_queued_messages` per client. `findMosquitto()` says
 * why it cannot run when the binary is missing (and, as root outside CI
 * with BENCH_INSTALL_MOSQUITTO=1, tries `apt-get install -y mosquitto`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = [process.env.BENCH_MOSQUITTO ?? '', '/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

export interface MosquittoHandle {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

function locate(): string | undefined {
  return CANDIDATES.find((p) => p !== '' && existsSync(p));
}

/** The mosquitto binary, or `{ reason }` saying why the baseline cannot run here. */
export function findMosquitto(log: (m: string) => void): { path: string } | { reason: string } {
  const found = locate();
  if (found) return { path: found };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && process.env.BENCH_INSTALL_MOSQUITTO === '1') {
    log('mosquitto not found: trying apt-get install -y mosquitto (BENCH_INSTALL_MOSQUITTO=1)');
    const r = spawnSync('apt-get', ['install', '-y', 'mosquitto'], { stdio: 'ignore', timeout: 180_000 });
    const again = locate();
    if (again) return { path: again };
    return { reason: `mosquitto not installed and apt-get install failed (status ${String(r.status)})` };
  }
  return { reason: 'mosquitto not installed (apt-get install mosquitto, or BENCH_INSTALL_MOSQUITTO=1 as root)' };
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startMosquitto(binary: string, options: { maxQueuedMessages: number }): Promise<MosquittoHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `max_queued_messages ${options.maxQueuedMessages}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on 127.0.0.1:${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
