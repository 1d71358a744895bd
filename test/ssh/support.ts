/** Shared bits for the real-sshd tests. */
import { execFileSync } from 'node:child_process';
import { SshPool, type SshPoolOptions, type SshPoolLimits } from '../../packages/agent/src/collect/ssh-pool.js';
import { sshdSkipReason } from '../harness/sshd.js';

/** Evaluated once per file: throws under CI=true when sshd is missing. */
export const SKIP = sshdSkipReason();
export const suiteName = (name: string): string => (SKIP ? `${name} (SKIPPED: ${SKIP})` : name);
if (SKIP) console.warn(`[real-sshd tests skipped] ${SKIP}`);

export const TEST_LIMITS: SshPoolLimits = {
  globalConcurrency: 16,
  perHostConcurrency: 4,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepaliveIntervalMs: 10_000,
};

export function makePool(options: Omit<Partial<SshPoolOptions>, 'limits'> & { limits?: Partial<SshPoolLimits> } = {}): SshPool {
  return new SshPool({ ...options, limits: { ...TEST_LIMITS, ...(options.limits ?? {}) } });
}

export const EXEC = { timeoutMs: 15_000, maxOutputBytes: 1_000_000 } as const;

/**
 * Processes on this machine (the sshd runs here) whose full command line
 * matches the extended regex `pattern` (pgrep -f), e.g. "^sleep 300\\.123$".
 */
export function processesMatching(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', '--', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** A unique "300.<digits>" duration for `sleep`, so pgrep finds exactly that process. */
export function uniqueSleepArg(): string {
  return `300.${Date.now() % 100000}${Math.floor(Math.random() * 1e6)}`;
}

/** pgrep pattern for exactly the `sleep <arg>` process (not the shell whose script mentions it). */
export function sleepPattern(arg: string): string {
  return `^sleep ${arg.replace('.', '\\.')}$`;
}

export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
