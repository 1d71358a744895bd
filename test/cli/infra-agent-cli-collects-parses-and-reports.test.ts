// The built `infra-agent` binary, as an operator runs it: real SQLite file,
// transport: local on this machine.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'packages/agent/bin/infra-agent.js');

function agent(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'infra-cli-'));
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, yaml);
  return { dir, config };
}

const LOCAL = `site: cli-test
hosts:
  - name: me
    transport: local
storage:
  path: agent.db
schedule:
  jitterMs: 0
`;

beforeAll(() => {
  // The suite command builds first; build here too when run alone.
  const built = join(root, 'packages/agent/dist/main.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'packages/agent/src/main.ts')).mtimeMs) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/shared', 'packages/agent'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
}, 120_000);

describe('infra-agent CLI', () => {
  it('collects system_metrics on this machine, stores it, and reports it in status', () => {
    const { dir, config } = workspace(LOCAL);
    const r = agent(['collect', '--config', config, 'me', 'system_metrics', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; status: string; data: { memory: { totalBytes: number } } };
    expect(out.ok).toBe(true);
    expect(out.status).toBe('success');
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(out.data.memory.totalBytes).toBe(memTotalKb * 1024);

    const db = new Database(join(dir, 'agent.db'), { readonly: true });
    const audits = db.prepare('SELECT status, source FROM audit').all();
    db.close();
    expect(audits).toEqual([{ status: 'success', source: 'cli' }]);

    const s = agent(['status', '--config', config, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout) as { commands: Array<{ host: string; command: string; state: string; lastSuccessMs: number | null }>; outbox: { count: number } };
    // The other scheduled commands are listed too, as not run yet.
    expect(status.commands.filter((c) => c.state !== 'not_run')).toEqual([expect.objectContaining({ host: 'me', command: 'system_metrics', state: 'ok', failing: false })]);
    expect(status.outbox.count).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad parameters with a code before running anything, and exits non-zero', () => {
    const { config } = workspace(LOCAL);
    const r = agent(['collect', '--config', config, 'me', 'system_metrics', '--param', 'sampleMs=1; rm -rf /']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PARAM_INVALID.*sampleMs/);
    const unknownHost = agent(['collect', '--config', config, 'nope', 'system_metrics']);
    expect(unknownHost.code).toBe(1);
    expect(unknownHost.stderr).toMatch(/HOST_UNKNOWN/);
  });

  it('reports a config typo with the key and line, exit 2', () => {
    const { config } = workspace(`${LOCAL}limits:\n  globalConcurency: 4\n`);
    const r = agent(['check-config', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CONFIG_UNKNOWN_KEY/);
    expect(r.stderr).toMatch(/limits\.globalConcurency/);
    expect(r.stderr).toMatch(/line 10, col 3/);
  });

  it('check-config summarises hosts and schedules', () => {
    const { config } = workspace(LOCAL);
    const r = agent(['check-config', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/configuration OK/);
    expect(r.stdout).toMatch(/me\s+local\s+-\s+drive_health\s+17 \* \* \* \*/);
  });

  it('parses saved outputs by parser name (file and stdin) and fails cleanly on garbage', () => {
    const ok = agent(['parse', 'proc-meminfo', '/proc/meminfo']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveProperty('totalBytes');
    const stdin = agent(['parse', 'proc-loadavg'], readFileSync('/proc/loadavg', 'utf8'));
    expect(stdin.code, stdin.stderr).toBe(0);
    const bad = agent(['parse', 'proc-meminfo'], 'this is not meminfo\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/PARSE_FAILED: proc-meminfo/);
    const unknown = agent(['parse', 'no-such-parser'], '');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/PARSER_UNKNOWN/);
  });

  it('lists commands with TTLs and parsers with their inputs', () => {
    const c = agent(['commands']);
    expect(c.stdout).toMatch(/containers?|list_containers\s+\* \* \* \* \*\s+30s/);
    expect(c.stdout).toMatch(/proxy_configs\s+\S.*0 \(never cached\)/);
    const p = agent(['parsers']);
    for (const name of ['proc-stat', 'proc-meminfo', 'proc-net-dev', 'df', 'docker-ps', 'docker-stats', 'lsblk', 'smartctl', 'ip-addr', 'zpool-list', 'zpool-status', 'zfs-list', 'nginx-conf', 'compose-file', 'systemd-unit', 'systemctl-units']) {
      expect(p.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    }
  });

  it('runs as a daemon, collects on schedule, and stops cleanly on SIGTERM', async () => {
    const { dir, config } = workspace(`${LOCAL}commands:
  load_average: { schedule: "* * * * * *" }
`);
    const child = spawn(process.execPath, [bin, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/collected load_average on me/.test(logs) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(logs).toMatch(/collected load_average on me/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toMatch(/"event":"shutdown_finished"/);
    const lines = logs.split('\n').filter((l) => l.startsWith('{'));
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    const db = new Database(join(dir, 'agent.db'), { readonly: true });
    const n = db.prepare("SELECT count(*) AS n FROM audit WHERE command = 'load_average' AND source = 'schedule'").get() as { n: number };
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(n.n).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('keeps running with nothing scheduled and no hub until it is stopped', async () => {
    const { config } = workspace(`${LOCAL}  enabled: false
`);
    const child = spawn(process.execPath, [bin, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!/"event":"schedules_disabled"/.test(logs) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(logs).toMatch(/"event":"schedules_disabled"/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode, 'a daemon with nothing to do must not exit on its own').toBeNull();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toMatch(/"event":"shutdown_finished"/);
  }, 40_000);
});
