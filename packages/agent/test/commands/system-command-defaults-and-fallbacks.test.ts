/**
 * The system command specs' defaults, and how their scripts cope with hosts
 * that lack a tool or an option (df without -B, no `ip -j`), using stub
 * programs on PATH in front of the real ones.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, statfsSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'node-cron';
import { systemCommands } from '../../src/registry/builtin/system.js';
import { builtinCommands } from '../../src/registry/builtin/index.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import type { DiskUsage } from '../../src/registry/builtin/system-disk-usage.js';
import type { NetworkInterfaces } from '../../src/registry/builtin/system-network.js';
import { newNonce, sectionScript } from '../../src/parse/sections.js';
import { expectParseFailed, hostHas, requireOnHost, runScript } from '../system-test-support.js';

const NAMES = ['system_metrics', 'disk_usage', 'drive_health', 'network_interfaces', 'load_average', 'uptime', 'kernel_info'];

function spec(name: string): CommandSpec {
  const s = systemCommands.find((c) => c.name === name);
  if (!s) throw new Error(`no command ${name}`);
  return s;
}

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'system-fallbacks-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function binDirWith(programs: Record<string, string>, links: readonly string[] = []): string {
  const dir = mkdtempSync(path.join(tmp, 'bin-'));
  for (const [name, body] of Object.entries(programs)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  for (const name of links) symlinkSync(runScript(`command -v ${name}`).stdout.trim(), path.join(dir, name));
  return dir;
}

describe('system command specs', () => {
  it('are the expected commands, listed among the built-ins, with sane defaults', () => {
    expect(systemCommands.map((c) => c.name)).toEqual(NAMES);
    for (const c of systemCommands) expect(builtinCommands).toContain(c);
    for (const c of systemCommands) {
      expect(validate(c.defaults.schedule), `${c.name} schedule`).toBe(true);
      expect(c.defaults.ttlMs, c.name).toBeGreaterThan(0);
      expect(c.defaults.timeoutMs, c.name).toBeGreaterThanOrEqual(10_000);
      expect(c.defaults.retries, c.name).toBeGreaterThanOrEqual(1);
      expect(c.defaults.enabled, c.name).toBe(true);
      expect(c.description.length, c.name).toBeGreaterThan(10);
      for (const [pname, p] of Object.entries(c.params)) {
        if (p.type === 'integer') {
          expect(p.default, `${c.name}.${pname}`).toBeGreaterThanOrEqual(p.min ?? -Infinity);
          expect(p.default, `${c.name}.${pname}`).toBeLessThanOrEqual(p.max ?? Infinity);
        }
        if (p.type === 'enum') expect(p.values, `${c.name}.${pname}`).toContain(p.default);
      }
    }
    expect(spec('system_metrics').defaults.ttlMs).toBe(300_000);
    expect(spec('disk_usage').defaults.ttlMs).toBe(300_000);
    expect(spec('drive_health').defaults).toMatchObject({ ttlMs: 3_600_000, timeoutMs: 60_000 });
    expect(spec('network_interfaces').defaults.ttlMs).toBe(120_000);
    expect(spec('load_average').defaults.ttlMs).toBe(30_000);
    expect(spec('uptime').defaults.ttlMs).toBe(30_000);
    expect(spec('kernel_info').defaults.ttlMs).toBe(3_600_000);
  });

  it('put the sample pause into the script as one quoted word', () => {
    const script = spec('system_metrics').script({ sampleMs: 1250 }, { nonce: newNonce() });
    expect(script).toContain('sleep 1.250 2>/dev/null || sleep 1');
    expect(spec('system_metrics').script({}, { nonce: newNonce() })).toContain('sleep 0.250 ');
  });

  it('fail with PARSE_FAILED naming the command on garbage, and on a failed section', () => {
    for (const c of systemCommands) {
      expect(() => c.parse({ stdout: 'not sections\n', stderr: '', exitCode: 0 }), c.name).toThrowError(/PARSE|section|proc-|input/);
    }
    const nonce = newNonce();
    const broken = [
      sectionScript(nonce, 'stat1', 'cat /nonexistent/stat'),
      sectionScript(nonce, 'stat2', 'cat /nonexistent/stat'),
    ].join('\n');
    const out = runScript(broken);
    expectParseFailed(() => spec('system_metrics').parse(out), 'system_metrics', /section stat1 failed \(exit status 1\)/);
  });
});

describe('system command fallbacks', () => {
  it('disk_usage falls back to df -P when df has no -B option', (ctx) => {
    requireOnHost(ctx, hostHas('df'), 'df on PATH');
    const realDf = runScript('command -v df').stdout.trim();
    const bin = binDirWith({ df: `case "$*" in *-B1*) echo "df: unrecognized option: B1" >&2; exit 1 ;; esac\nexec '${realDf}' "$@"` });
    const out = runScript(spec('disk_usage').script({}, { nonce: newNonce() }), { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
    const usage = spec('disk_usage').parse(out) as DiskUsage;
    const root = usage.filesystems.find((f) => f.mount === '/');
    const st = statfsSync('/');
    expect(root).toBeDefined();
    expect(root!.sizeBytes % 1024).toBe(0);
    expect(Math.abs(root!.sizeBytes - st.blocks * st.bsize)).toBeLessThan(1024);
  });

  it('disk_usage keeps what df listed when one mount failed, marked partial with the complaint', () => {
    const bin = binDirWith({
      df: [
        'echo "Filesystem 1-blocks Used Available Capacity Mounted on"',
        'case "$*" in *-B1*" /"*) exit 0 ;; esac',
        'echo "/dev/sda1 1000 400 600 40% /"',
        "echo \"df: /mnt/nfs: Stale file handle\" >&2",
        'exit 1',
      ].join('\n'),
    });
    const out = runScript(spec('disk_usage').script({}, { nonce: newNonce() }), { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(spec('disk_usage').parse(out)).toEqual({
      filesystems: [{ filesystem: '/dev/sda1', type: null, sizeBytes: 1000, usedBytes: 400, availableBytes: 600, usedPercent: 40, mount: '/' }],
      partial: true,
      warnings: ['df: /mnt/nfs: Stale file handle'],
    });
  });

  it('disk_usage says so when df is missing', () => {
    const bin = binDirWith({});
    const out = runScript(spec('disk_usage').script({}, { nonce: newNonce() }), { ...process.env, PATH: bin });
    expectParseFailed(() => spec('disk_usage').parse(out), 'disk_usage', /df is not installed/);
  });

  it('network_interfaces still lists /proc/net/dev interfaces when ip is missing', (ctx) => {
    requireOnHost(ctx, existsSync('/proc/net/dev'), 'a Linux /proc/net/dev');
    const bin = binDirWith({}, ['cat']);
    const out = runScript(spec('network_interfaces').script({}, { nonce: newNonce() }), { ...process.env, PATH: bin });
    const net = spec('network_interfaces').parse(out) as NetworkInterfaces;
    const lo = net.interfaces.find((i) => i.name === 'lo');
    expect(lo).toMatchObject({ state: null, mtu: null, addresses: [] });
    expect(lo!.rxBytes).toBeGreaterThanOrEqual(0);
    expect(net.warnings).toHaveLength(1);
    expect(net.warnings[0]).toMatch(/ip -j addr unavailable.*command not found/);
  });
});
