/**
 * Hub and agent as real child processes (the built bins), for tests that
 * kill -9 them. Output is kept for assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const AGENT_BIN = resolve(REPO_ROOT, 'packages/agent/bin/infra-agent.js');
export const HUB_BIN = resolve(REPO_ROOT, 'packages/hub/bin/infra-hub.js');

export interface ManagedProcess {
  readonly name: string;
  output(): string;
  running(): boolean;
  /** SIGKILL, no cleanup: the crash the tests are about. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Send a signal (SIGHUP: reload) without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the output matches (or rejects after timeoutMs with the output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function startProcess(name: string, bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
  let out = '';
  let exited = false;
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      exited = true;
      r(code);
    }),
  );
  return {
    name,
    output: () => out,
    running: () => !exited,
    async kill9() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      return exit;
    },
    signal(signal) {
      if (!exited) child.kill(signal);
    },
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (exited) throw new Error(`${name} exited while waiting for ${pattern}:\n${out.slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`${name}: timed out waiting for ${pattern}:\n${out.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Poll `check` until it returns true or the deadline passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
