// Shared by the README's two commands (npm start, npm test): make sure the
// workspace is installed and built, using only Node.js and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PNPM_VERSION = '12.4.2';
export const root = new URL('..', import.meta.url).pathname;

export function log(message) {
  process.stderr.write(`[infrastructor] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === PNPM_VERSION) return ['pnpm', []];
  // corepack does not work everywhere; npx fetches the pinned pnpm from the registry.
  return ['npx', ['--yes', `pnpm@${PNPM_VERSION}`]];
}

export function buildEnv() {
  const env = { ...process.env };
  // better-sqlite3 compiles from source where no prebuilt binary can be fetched;
  // node-gyp then needs Node's headers, which Debian's nodejs keeps in /usr/include/node.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return env;
}

export function pnpm(args) {
  const [cmd, pre] = pnpmCommand();
  return run(cmd, [...pre, ...args], { env: buildEnv() });
}

/** Install (when needed) and compile the TypeScript. Exits the process on failure. */
export function ensureBuilt({ frozen = false } = {}) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
  if (stale || frozen) {
    log('installing dependencies (first run compiles better-sqlite3; this takes a minute or two)…');
    const status = pnpm(['install', ...(frozen ? ['--frozen-lockfile'] : [])]);
    if (status !== 0) {
      log('dependency install failed: see the messages above');
      process.exit(status);
    }
  }
  log('compiling TypeScript…');
  const status = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/shared', 'packages/agent', 'packages/hub']);
  if (status !== 0) {
    log('TypeScript build failed: see the errors above');
    process.exit(status);
  }
}

/** Type-check the tests too (vitest strips types without checking them). */
export function typecheckTests() {
  log('type-checking tests…');
  const status = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json']);
  if (status !== 0) {
    log('test type-check failed: see the errors above');
    process.exit(status);
  }
}
