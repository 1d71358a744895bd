/**
 * drive_health's real script run with /bin/sh, with a stub `smartctl` on
 * PATH that prints a fixture chosen by the device argument and exits with
 * the status the real one would. Once over this machine's /sys/block, and
 * once over a fake /sys/block folder holding every kind of device, so all
 * fixtures and the whole-disk filter go through the script.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { driveHealthCommand, driveHealthScript, type DriveHealthResult } from '../../src/registry/builtin/system-drive-health.js';
import { newNonce } from '../../src/parse/sections.js';
import { fixturePath, requireOnHost, runScript } from '../system-test-support.js';

interface StubAnswer {
  /** Fixture in fixtures/smartctl, or literal text when it does not end in .json or .txt. */
  output: string;
  exitStatus: number;
}

const CAT = runScript('command -v cat').stdout.trim();

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'drive-health-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * A folder holding an executable `smartctl` that answers per device name.
 * `-j --version` (the script's probe for JSON support) answers like smartctl
 * 7.x, or like 6.x (UNRECOGNIZED OPTION, exit 1) with `json: false`; the probe
 * is not logged.
 */
function stubSmartctl(answers: Record<string, StubAnswer>, fallback: StubAnswer, options: { json?: boolean } = {}): { binDir: string; logFile: string } {
  const binDir = mkdtempSync(path.join(tmp, 'bin-'));
  const logFile = path.join(binDir, 'calls.log');
  const arm = (a: StubAnswer): string => {
    // cat by absolute path: some tests run the script with an empty PATH.
    const print = /\.(?:json|txt)$/.test(a.output) ? `'${CAT}' '${fixturePath('smartctl', a.output)}'` : `printf '%s\\n' '${a.output}'`;
    return `${print}; exit ${a.exitStatus}`;
  };
  const cases = Object.entries(answers).map(([dev, a]) => `  ${dev}) ${arm(a)} ;;`).join('\n');
  const probe = options.json === false ? `printf '%s\\n' '=======> UNRECOGNIZED OPTION: j'; exit 1` : `printf '%s\\n' 'smartctl 7.2 2020-12-30 r5155'; exit 0`;
  const script = [
    '#!/bin/sh',
    `case " $* " in *" --version "*) ${probe} ;; esac`,
    `echo "$*" >> '${logFile}'`,
    'for a in "$@"; do dev=$a; done',
    'case ${dev##*/} in',
    cases,
    `  *) ${arm(fallback)} ;;`,
    'esac',
    '',
  ].join('\n');
  writeFileSync(path.join(binDir, 'smartctl'), script);
  chmodSync(path.join(binDir, 'smartctl'), 0o755);
  return { binDir, logFile };
}

function fakeSysBlock(names: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmp, 'sys-block-'));
  for (const n of names) mkdirSync(path.join(dir, n));
  return dir;
}

function parse(stdout: string, stderr = ''): DriveHealthResult {
  return driveHealthCommand.parse({ stdout, stderr, exitCode: 0 }) as DriveHealthResult;
}

/** This test's own statement of which /sys/block names are whole disks. */
const WHOLE_DISK = /^(?:sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

describe('drive_health', () => {
  it("runs smartctl once per whole disk in this machine's /sys/block", (ctx) => {
    requireOnHost(ctx, existsSync('/sys/block'), 'a Linux /sys/block');
    const { binDir, logFile } = stubSmartctl({}, { output: 'sata-hdd-healthy.json', exitStatus: 0 });
    const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` };
    const out = runScript(driveHealthCommand.script({}, { nonce: newNonce() }), env);
    expect(out.exitCode).toBe(0);
    const result = parse(out.stdout, out.stderr);
    const expected = readdirSync('/sys/block').filter((n) => WHOLE_DISK.test(n)).sort();
    expect(result.smartctlInstalled).toBe(true);
    expect(result.disks.map((d) => d.name).sort()).toEqual(expected);
    for (const d of result.disks) expect(d).toMatchObject({ smart: 'available', verdict: 'healthy', temperatureC: 36 });
    expect(result.verdict).toBe(expected.length > 0 ? 'healthy' : 'unknown');
    const calls = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean) : [];
    expect(calls.sort()).toEqual(expected.map((n) => `-j -a -n standby /dev/${n}`));
  });

  it('reads every kind of disk through the script and skips what is not a whole disk', () => {
    const sysBlock = fakeSysBlock([
      'sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf', 'sdg', 'hda', 'nvme0n1', 'nvme1n1', 'mmcblk0',
      'loop0', 'ram0', 'zram0', 'sr0', 'dm-0', 'md127', 'nbd0', 'mmcblk0boot0', 'mmcblk0rpmb', 'nvme0c0n1',
    ]);
    const { binDir, logFile } = stubSmartctl(
      {
        sda: { output: 'sata-hdd-healthy.json', exitStatus: 0 },
        sdb: { output: 'sata-hdd-reallocated.json', exitStatus: 64 },
        sdc: { output: 'sata-hdd-failed.json', exitStatus: 88 },
        sdd: { output: 'usb-unknown-bridge.json', exitStatus: 1 },
        sde: { output: 'usb-stick-no-smart.json', exitStatus: 4 },
        sdf: { output: 'sata-hdd-standby.json', exitStatus: 2 },
        sdg: { output: 'sas-hdd-defects.json', exitStatus: 0 },
        hda: { output: '=======> UNRECOGNIZED OPTION: j', exitStatus: 1 },
        nvme0n1: { output: 'nvme-healthy.json', exitStatus: 0 },
        nvme1n1: { output: 'nvme-read-only-worn.json', exitStatus: 8 },
      },
      { output: '', exitStatus: 2 },
    );
    const script = driveHealthScript({}, newNonce(), { sysBlockDir: sysBlock, smartctlFallbackPaths: [] });
    const out = runScript(script, { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` });
    const result = parse(out.stdout, out.stderr);

    const byName = new Map(result.disks.map((d) => [d.name, d]));
    expect([...byName.keys()].sort()).toEqual(['hda', 'mmcblk0', 'nvme0n1', 'nvme1n1', 'sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf', 'sdg']);
    const verdicts = Object.fromEntries(result.disks.map((d) => [d.name, [d.smart, d.verdict]]));
    expect(verdicts).toEqual({
      sda: ['available', 'healthy'],
      sdb: ['available', 'warning'],
      sdc: ['available', 'critical'],
      sdd: ['unsupported', 'unknown'],
      sde: ['unsupported', 'unknown'],
      sdf: ['standby', 'unknown'],
      sdg: ['available', 'warning'],
      hda: ['unavailable', 'unknown'],
      nvme0n1: ['available', 'healthy'],
      nvme1n1: ['available', 'critical'],
      mmcblk0: ['unavailable', 'unknown'],
    });
    expect(result.verdict).toBe('critical');
    expect(byName.get('sdb')).toMatchObject({ reallocatedSectors: 1448, pendingSectors: 24, uncorrectableSectors: 24, exitStatus: 64, exitFlags: ['errorLogHasErrors'] });
    expect(byName.get('sdc')).toMatchObject({ smartPassed: false, exitStatus: 88 });
    expect(byName.get('sdc')!.reasons).toContain('SMART overall self-assessment FAILED');
    expect(byName.get('nvme0n1')).toMatchObject({ model: 'Samsung SSD 980 PRO 1TB', capacityBytes: 1000204886016, percentageUsed: 3, rotational: null });
    expect(byName.get('sda')).toMatchObject({ rotational: true, powerOnHours: 31012 });
    expect(byName.get('sde')).toMatchObject({ model: 'SanDisk Ultra Fit', capacityBytes: 30752636928 });
    expect(byName.get('sdd')!.smartReason).toMatch(/Unknown USB bridge/);
    expect(byName.get('hda')!.smartReason).toMatch(/could not be read.*neither smartctl JSON nor smartctl text/);
    expect(byName.get('mmcblk0')).toMatchObject({ smartReason: 'smartctl printed nothing (exit status 2)', exitStatus: 2, exitFlags: ['deviceOpenFailed'] });
    expect(readFileSync(logFile, 'utf8').trim().split('\n')).toHaveLength(11);
  });

  it('reads smartctl 6.x, which has no -j, through its text output', () => {
    const sysBlock = fakeSysBlock(['sda', 'sdb', 'sdc', 'sdd', 'nvme0n1']);
    const { binDir, logFile } = stubSmartctl(
      {
        sda: { output: 'sata-hdd-healthy-6.6.txt', exitStatus: 0 },
        sdb: { output: 'sata-hdd-failing-6.6.txt', exitStatus: 88 },
        sdc: { output: 'sata-hdd-standby-6.6.txt', exitStatus: 2 },
        sdd: { output: 'sas-hdd-defects-6.6.txt', exitStatus: 0 },
        nvme0n1: { output: 'nvme-healthy-6.6.txt', exitStatus: 0 },
      },
      { output: '', exitStatus: 2 },
      { json: false },
    );
    const script = driveHealthScript({}, newNonce(), { sysBlockDir: sysBlock, smartctlFallbackPaths: [] });
    const result = parse(runScript(script, { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` }).stdout);
    expect(readFileSync(logFile, 'utf8').trim().split('\n')).toEqual(['-a -n standby /dev/nvme0n1', '-a -n standby /dev/sda', '-a -n standby /dev/sdb', '-a -n standby /dev/sdc', '-a -n standby /dev/sdd']);
    expect(Object.fromEntries(result.disks.map((d) => [d.name, [d.smart, d.verdict]]))).toEqual({
      nvme0n1: ['available', 'critical'], // critical warning 0x04: reliability degraded
      sda: ['available', 'healthy'],
      sdb: ['available', 'critical'],
      sdc: ['standby', 'unknown'],
      sdd: ['available', 'warning'],
    });
    const byName = new Map(result.disks.map((d) => [d.name, d]));
    expect(byName.get('sdb')).toMatchObject({ smartPassed: false, exitStatus: 88, reallocatedSectors: 3960 });
    expect(byName.get('sda')).toMatchObject({ model: 'WDC WD30EFRX-68EUZN0', powerOnHours: 38211, temperatureC: 33, exitStatus: 0 });
    expect(result.verdict).toBe('critical');
  });

  it('reports every disk as unavailable, not as a failure, when smartctl is not installed', () => {
    const sysBlock = fakeSysBlock(['sda', 'nvme0n1', 'loop3']);
    const emptyPath = mkdtempSync(path.join(tmp, 'empty-path-'));
    const script = driveHealthScript({}, newNonce(), { sysBlockDir: sysBlock, smartctlFallbackPaths: [] });
    const out = runScript(script, { ...process.env, PATH: emptyPath });
    expect(out.exitCode).toBe(0);
    const result = parse(out.stdout, out.stderr);
    expect(result.smartctlInstalled).toBe(false);
    expect(result.verdict).toBe('unknown');
    expect(result.disks.map((d) => [d.name, d.smart, d.verdict])).toEqual([
      ['nvme0n1', 'unavailable', 'unknown'],
      ['sda', 'unavailable', 'unknown'],
    ]);
    for (const d of result.disks) expect(d.smartReason).toMatch(/smartctl is not installed/);
  });

  it('finds smartctl outside PATH in the fallback locations', () => {
    const sysBlock = fakeSysBlock(['vda']);
    const { binDir } = stubSmartctl({}, { output: 'nvme-healthy.json', exitStatus: 0 });
    const emptyPath = mkdtempSync(path.join(tmp, 'empty-path-'));
    const script = driveHealthScript({}, newNonce(), { sysBlockDir: sysBlock, smartctlFallbackPaths: [path.join(binDir, 'smartctl')] });
    const result = parse(runScript(script, { ...process.env, PATH: emptyPath }).stdout);
    expect(result.smartctlInstalled).toBe(true);
    expect(result.disks.map((d) => [d.name, d.verdict])).toEqual([['vda', 'healthy']]);
  });

  it('wakes sleeping disks only when asked, and can go through sudo -n', () => {
    const sysBlock = fakeSysBlock(['sda']);
    const { binDir, logFile } = stubSmartctl({}, { output: 'sata-hdd-healthy.json', exitStatus: 0 });
    const script = driveHealthScript({ standby: 'wake' }, newNonce(), { sysBlockDir: sysBlock, smartctlFallbackPaths: [] });
    runScript(script, { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` });
    expect(readFileSync(logFile, 'utf8').trim()).toBe('-j -a /dev/sda');
    expect(driveHealthCommand.script({ sudo: 'yes' }, { nonce: newNonce() })).toContain('sudo -n "$smartctl_bin" $smartctl_json -a -n standby');
    expect(driveHealthCommand.script({}, { nonce: newNonce() })).not.toContain('sudo');
  });

  it('fails with PARSE_FAILED on output that is not its sections', () => {
    expect(() => parse('garbage')).toThrowError(/drive_health: output does not start with a section marker/);
  });
});
