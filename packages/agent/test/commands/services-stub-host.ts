/**
 * A fake host for running the services commands' real scripts under
 * /bin/sh: a temp folder of stub `docker`, `zpool`, `zfs` and `systemctl`
 * executables that print the test fixtures according to their arguments
 * (and log the arguments), put first on PATH.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from '../parse/services-fixtures.js';
import type { CommandOutput, CommandSpec, ParamValues } from '../../src/registry/command-spec.js';
import { newNonce } from '../../src/parse/sections.js';

const STUBS: Readonly<Record<string, string>> = {
  docker: `
case "$STUB_MODE" in fail) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1;; esac
case "$1" in
  ps) cat "$FIX/docker/ps-homelab.jsonl" ;;
  stats) cat "$FIX/docker/stats-homelab.jsonl" ;;
  *) echo "stub docker: unexpected $*" >&2; exit 2 ;;
esac`,
  zpool: `
case "$STUB_MODE" in
  nomodule) printf "The ZFS modules are not loaded.\\nTry running '/sbin/modprobe zfs' as root to load them.\\n" >&2; exit 1;;
  fail) echo "internal error: Input/output error" >&2; exit 1;;
esac
case "$1" in
  list) cat "$FIX/zfs/list-Hp-4pools.txt" ;;
  status) cat "$FIX/zfs/status-nas-4pools.txt" ;;
  *) echo "stub zpool: unexpected $*" >&2; exit 2 ;;
esac`,
  zfs: `
case "$1" in
  list) cat "$FIX/zfs/zfs-list-Hp.txt" ;;
  *) echo "stub zfs: unexpected $*" >&2; exit 2 ;;
esac`,
  systemctl: `
case "$STUB_MODE" in denied) echo "Failed to list units: Access denied" >&2; exit 1;; esac
case "$STUB_MODE" in notbooted) printf 'System has not been booted with systemd as init system (PID 1). Can'"'"'t operate.\\nFailed to connect to bus: Host is down\\n' >&2; exit 1;; esac
case " $* " in
  *" --output=json "*)
    if [ "$STUB_MODE" = old ]; then echo "Unknown output 'json'." >&2; exit 1; fi
    cat "$FIX/systemd/list-units.json" ;;
  *" --plain "*) cat "$FIX/systemd/list-units-plain.txt" ;;
  *) echo "stub systemctl: unexpected $*" >&2; exit 2 ;;
esac`,
};

/** The few external tools the scripts use besides the stubs. */
const TOOLS = ['cat', 'wc', 'tr'];

export interface StubHost {
  root: string;
  binDir: string;
  /** Only the basic tools, no stubs: a host where the services' tools are not installed. */
  bareDir: string;
  logDir: string;
  run(spec: CommandSpec, params: ParamValues, options?: { mode?: string; bare?: boolean }): CommandOutput;
  /** Argument lines each stub was called with, one call per line. */
  calls(tool: string): string[];
  cleanup(): void;
}

function which(tool: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/local/bin']) {
    const p = path.join(dir, tool);
    if (existsSync(p)) return p;
  }
  throw new Error(`test prerequisite missing: ${tool} not found in /usr/bin or /bin`);
}

export function makeStubHost(): StubHost {
  const root = mkdtempSync(path.join(tmpdir(), 'infra-services-'));
  const binDir = path.join(root, 'bin');
  const bareDir = path.join(root, 'bare');
  const logDir = path.join(root, 'log');
  for (const d of [binDir, bareDir, logDir]) mkdirSync(d);
  for (const [name, body] of Object.entries(STUBS)) {
    const file = path.join(binDir, name);
    writeFileSync(file, `#!/bin/sh\necho "$*" >> "$STUB_LOG/${name}.calls"\n${body}\n`);
    chmodSync(file, 0o755);
  }
  for (const t of TOOLS) {
    symlinkSync(which(t), path.join(bareDir, t));
  }
  return {
    root,
    binDir,
    bareDir,
    logDir,
    run(spec, params, options = {}) {
      const script = spec.script(params, { nonce: newNonce() });
      const r = spawnSync('/bin/sh', ['-c', script], {
        encoding: 'utf8',
        env: {
          PATH: options.bare ? bareDir : `${binDir}:${bareDir}`,
          FIX: FIXTURES_DIR,
          STUB_LOG: logDir,
          STUB_MODE: options.mode ?? 'ok',
          LC_ALL: 'C',
        },
      });
      if (r.error) throw r.error;
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
    },
    calls(tool) {
      const f = path.join(logDir, `${tool}.calls`);
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : [];
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
