import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../src/collect/local-transport.js';

const EXEC = { timeoutMs: 10_000, maxOutputBytes: 1_000_000 };
const transports: LocalTransport[] = [];
const make = (): LocalTransport => {
  const t = new LocalTransport();
  transports.push(t);
  return t;
};
afterEach(() => {
  for (const t of transports.splice(0)) t.destroy();
});

function sleeping(arg: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `^sleep ${arg.replace('.', '\\.')}$`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
const uniqueArg = (): string => `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;

async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('local transport', () => {
  it('returns stdout, stderr, exit code and bytes like the SSH transport', async () => {
    const r = await make().exec(`printf 'out\\n'; echo err >&2; exit 4`, EXEC);
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 4, exitSignal: null, bytes: 8 });
    const sig = await make().exec('kill -TERM $$', EXEC);
    expect(sig).toMatchObject({ exitCode: null, exitSignal: 'SIGTERM' });
    const stdin = await make().exec('cat; echo done', EXEC);
    expect(stdin.stdout).toBe('done\n');
  });

  it('on timeout kills the whole process group (background children too) with EXEC_TIMEOUT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-local-'));
    try {
      const arg = uniqueArg();
      const started = join(dir, 'started');
      const err = await rejectionOf(
        make().exec(`sleep ${arg} & touch ${started}; sleep ${arg}; echo never`, { timeoutMs: 1000, maxOutputBytes: 1000, commandName: 'slow' }),
      );
      expect(err.code).toBe('EXEC_TIMEOUT');
      expect(err.details).toMatchObject({ host: 'local', command: 'slow', timeoutMs: 1000 });
      expect(existsSync(started)).toBe(true);
      await vi.waitFor(() => expect(sleeping(arg)).toEqual([]), { timeout: 5000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('output over maxOutputBytes fails with EXEC_OUTPUT_TOO_LARGE and kills the producer', async () => {
    const arg = uniqueArg();
    const err = await rejectionOf(make().exec(`yes | head -c 10000000; sleep ${arg}`, { timeoutMs: 10_000, maxOutputBytes: 1_000_000 }));
    expect(err.code).toBe('EXEC_OUTPUT_TOO_LARGE');
    expect(err.details.maxOutputBytes).toBe(1_000_000);
    await vi.waitFor(() => expect(sleeping(arg)).toEqual([]), { timeout: 5000 });
  });

  it('abort kills the group and rejects with ABORTED', async () => {
    const arg = uniqueArg();
    const ac = new AbortController();
    const p = rejectionOf(make().exec(`sleep ${arg}; echo never`, { ...EXEC, signal: ac.signal }));
    await vi.waitFor(() => expect(sleeping(arg)).toHaveLength(1), { timeout: 5000 });
    ac.abort();
    expect((await p).code).toBe('ABORTED');
    await vi.waitFor(() => expect(sleeping(arg)).toEqual([]), { timeout: 5000 });
  });

  it('a shell that cannot be spawned is EXEC_SPAWN_FAILED', async () => {
    const t = new LocalTransport({ shell: '/nonexistent/sh' });
    transports.push(t);
    expect((await rejectionOf(t.exec('true', EXEC))).code).toBe('EXEC_SPAWN_FAILED');
  });

  it('close() drains running commands and refuses new ones; destroy() kills them with POOL_DESTROYED', async () => {
    const t = make();
    const running = t.exec('sleep 0.2; echo done', EXEC);
    const closing = t.close();
    expect((await rejectionOf(t.exec('true', EXEC))).code).toBe('POOL_CLOSED');
    expect((await running).stdout).toBe('done\n');
    await closing;
    expect(t.stats().state).toBe('closed');

    const t2 = make();
    const arg = uniqueArg();
    const p = rejectionOf(t2.exec(`sleep ${arg}; echo never`, EXEC));
    await vi.waitFor(() => expect(sleeping(arg)).toHaveLength(1), { timeout: 5000 });
    t2.destroy();
    t2.destroy();
    expect((await p).code).toBe('POOL_DESTROYED');
    await vi.waitFor(() => expect(sleeping(arg)).toEqual([]), { timeout: 5000 });
  });
});
