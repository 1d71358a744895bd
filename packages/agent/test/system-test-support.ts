/**
 * Shared by the system parser and command tests: fixture reading, the
 * PARSE_FAILED assertion, the corpus location, and prerequisites that must
 * fail (not skip) when CI=true.
 */
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isInfraError } from '@infrastructor/shared';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = path.join(HERE, 'fixtures');
export const REPO_ROOT = path.resolve(HERE, '../../..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');
export const IN_CI = process.env.CI === 'true';

export function fixturePath(kind: string, name: string): string {
  return path.join(FIXTURES_DIR, kind, name);
}

export function fixture(kind: string, name: string): string {
  return readFileSync(fixturePath(kind, name), 'utf8');
}

/** Runs `fn`, expecting PARSE_FAILED naming `parser` and quoting the input. */
export function expectParseFailed(fn: () => unknown, parser: string, messagePart?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `${parser} should have thrown`).toBeDefined();
  if (!isInfraError(caught)) throw new Error(`expected an InfraError, got ${String(caught)}`);
  expect(caught.code).toBe('PARSE_FAILED');
  expect(caught.message.startsWith(`${parser}: `)).toBe(true);
  expect(caught.message).toContain('input: "');
  expect(caught.details['parser']).toBe(parser);
  if (messagePart) expect(caught.message).toMatch(messagePart);
}

export function corpusAvailable(): boolean {
  return existsSync(CORPUS_DIR);
}

/** Skip a host-dependent test with a visible reason, or fail when CI=true. */
export function requireOnHost(ctx: { skip: (note?: string) => never }, ok: boolean, reason: string): void {
  if (ok) return;
  if (IN_CI) throw new Error(`prerequisite missing (CI=true makes this a failure): ${reason}`);
  ctx.skip(`prerequisite missing: ${reason}`);
}

/** Whether `command -v name` finds a program on this machine. */
export function hostHas(name: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v ${name} >/dev/null 2>&1`]).status === 0;
}

/** Run a command spec's script with /bin/sh, as a transport would. */
export function runScript(script: string, env: NodeJS.ProcessEnv = process.env): { stdout: string; stderr: string; exitCode: number | null } {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
}
