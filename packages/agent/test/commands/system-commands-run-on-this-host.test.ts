/**
 * Each system command's real script, run with /bin/sh on this machine, and
 * its parse() over what came out, compared with what this machine says
 * through other channels (Node's os module, /proc read directly).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { systemCommands } from '../../src/registry/builtin/system.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import { newNonce } from '../../src/parse/sections.js';
import { parseOsRelease } from '../../src/parse/os-release.js';
import type { SystemMetrics } from '../../src/registry/builtin/system-metrics.js';
import type { DiskUsage } from '../../src/registry/builtin/system-disk-usage.js';
import type { NetworkInterfaces } from '../../src/registry/builtin/system-network.js';
import type { KernelInfoResult } from '../../src/registry/builtin/system-kernel-info.js';
import type { LoadAverage } from '../../src/parse/proc-loadavg.js';
import type { Uptime } from '../../src/parse/proc-uptime.js';
import { hostHas, requireOnHost, runScript } from '../system-test-support.js';

const IS_LINUX = process.platform === 'linux' && existsSync('/proc/stat');

function spec(name: string): CommandSpec {
  const s = systemCommands.find((c) => c.name === name);
  if (!s) throw new Error(`no command ${name}`);
  return s;
}

/** Runs the real script and parse(); the result type is the command's documented one. */
function run<T>(name: string, params: Record<string, string | number> = {}): T {
  const s = spec(name);
  const out = runScript(s.script(params, { nonce: newNonce() }));
  expect(out.exitCode).toBe(0);
  return s.parse(out) as T;
}

function meminfoKb(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'));
  if (!m) throw new Error(`${key} missing from /proc/meminfo`);
  return Number(m[1]) * 1024;
}

describe('system commands on this host', () => {
  it('system_metrics: memory total as /proc/meminfo says, one entry per CPU, sane values', (ctx) => {
    requireOnHost(ctx, IS_LINUX, 'a Linux /proc');
    const m = run<SystemMetrics>('system_metrics', { sampleMs: 50 });
    expect(m.memory.totalBytes).toBe(meminfoKb('MemTotal'));
    expect(m.memory.availableBytes).toBeGreaterThan(0);
    expect(m.memory.availableBytes).toBeLessThanOrEqual(m.memory.totalBytes);
    expect(m.memory.usedBytes).toBe(m.memory.totalBytes - m.memory.availableBytes);
    expect(m.memory.swapTotalBytes).toBe(meminfoKb('SwapTotal'));
    const cpuLines = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
    expect(m.cpuCount).toBe(cpuLines);
    expect(m.perCpuPercent.map((c) => c.cpu)).toEqual(Array.from({ length: cpuLines }, (_, i) => `cpu${i}`));
    for (const p of [m.cpuPercent, ...m.perCpuPercent.map((c) => c.percent)]) {
      if (p !== null) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(100);
      }
    }
    expect(m.load.load1).toBeGreaterThanOrEqual(0);
    expect(m.uptimeSeconds).toBeGreaterThan(0);
    expect(m.processCount).toBeGreaterThan(1);
    expect(m.runningProcesses).toBeGreaterThanOrEqual(1);
  });

  it('disk_usage: lists / with the size statfs reports', (ctx) => {
    requireOnHost(ctx, hostHas('df'), 'df on PATH');
    const d = run<DiskUsage>('disk_usage');
    const root = d.filesystems.find((f) => f.mount === '/');
    expect(root).toBeDefined();
    const st = statfsSync('/');
    expect(root!.sizeBytes).toBe(st.blocks * st.bsize);
    expect(root!.usedBytes + root!.availableBytes).toBeLessThanOrEqual(root!.sizeBytes);
  });

  it('network_interfaces: every /proc/net/dev interface, lo with 127.0.0.1/8 and counters', (ctx) => {
    requireOnHost(ctx, IS_LINUX && hostHas('ip'), 'Linux with iproute2 ip on PATH');
    const n = run<NetworkInterfaces>('network_interfaces');
    const names = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .filter((l) => l.includes(':'))
      .map((l) => l.slice(0, l.lastIndexOf(':')).trim());
    expect(n.interfaces.map((i) => i.name).sort()).toEqual([...names].sort());
    const lo = n.interfaces.find((i) => i.name === 'lo');
    expect(lo!.addresses).toContainEqual({ family: 'inet', address: '127.0.0.1', prefixLength: 8, scope: 'host' });
    expect(lo!.state).toBe('UNKNOWN');
    expect(lo!.rxBytes).toBeGreaterThanOrEqual(0);
    expect(lo!.txPackets).toBeGreaterThanOrEqual(0);
    expect(n.warnings).toEqual([]);
    for (const i of n.interfaces) expect(i.mtu).toBeGreaterThan(0);
  });

  it('load_average and uptime: read /proc', (ctx) => {
    requireOnHost(ctx, IS_LINUX, 'a Linux /proc');
    const load = run<LoadAverage>('load_average');
    expect(load.totalTasks).toBeGreaterThanOrEqual(load.runningTasks);
    expect(load.lastPid).toBeGreaterThan(0);
    const up = run<Uptime>('uptime');
    expect(up.uptimeSeconds).toBeGreaterThan(0);
    expect(up.idleSeconds).toBeGreaterThanOrEqual(0);
  });

  it('kernel_info: release, machine and hostname as Node sees them, OS from os-release', (ctx) => {
    requireOnHost(ctx, IS_LINUX && hostHas('uname'), 'Linux with uname');
    const k = run<KernelInfoResult>('kernel_info');
    expect(k.kernelName).toBe('Linux');
    expect(k.kernelRelease).toBe(os.release());
    expect(k.machine).toBe(os.machine());
    expect(k.hostname).toBe(os.hostname());
    const osFile = ['/etc/os-release', '/usr/lib/os-release'].find((f) => existsSync(f));
    if (osFile) expect(k.os?.id).toBe(parseOsRelease(readFileSync(osFile, 'utf8')).id);
    else expect(k.os).toBeNull();
  });

  it('every script is POSIX sh that parses with sh -n, whatever the params', () => {
    for (const s of systemCommands) {
      const script = s.script({ sampleMs: 5000, standby: 'wake', sudo: 'yes' }, { nonce: newNonce() });
      const r = runScript(`set -n\n${script}`);
      expect(r.exitCode, s.name).toBe(0);
    }
  });
});
