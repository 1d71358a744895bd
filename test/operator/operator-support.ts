/**
 * Shared bits for the operator tests: the built bins run as an operator runs
 * them (spawned, real files), their output split into lines, JSON log lines
 * parsed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_BIN, HUB_BIN, REPO_ROOT } from '../harness/processes.js';

export { AGENT_BIN, HUB_BIN, REPO_ROOT };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build the packages when their dist is missing or older than a source file (the suite command builds first). */
export function ensureBuilt(): void {
  const stale = ['shared', 'agent', 'hub'].some((p) => {
    // tsc -b rewrites its build info on every build that changed something.
    const marker = join(REPO_ROOT, `packages/${p}/dist/.tsbuildinfo`);
    return !existsSync(marker) || statSync(marker).mtimeMs < newestMtime(join(REPO_ROOT, `packages/${p}/src`));
  });
  if (!stale) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/shared', 'packages/agent', 'packages/hub'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Non-empty stderr lines. */
  errLines: string[];
}

export function runBin(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): BinResult {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, errLines: r.stderr.split('\n').filter((l) => l.trim() !== '') };
}

export const agentCli = (args: readonly string[]): BinResult => runBin(AGENT_BIN, args);
export const hubCli = (args: readonly string[]): BinResult => runBin(HUB_BIN, args);

/** A temp dir with the given files written into it. */
export function workspace(files: Record<string, string>): { dir: string; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'infra-operator-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name) };
}

export interface LogLine {
  level: number;
  event?: string;
  msg?: string;
  [key: string]: unknown;
}

/** The JSON log lines of a daemon's output (other lines ignored). */
export function logLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const l of output.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(l) as LogLine);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return lines;
}

/** No JavaScript stack trace in a CLI's output. */
export const STACK_TRACE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
