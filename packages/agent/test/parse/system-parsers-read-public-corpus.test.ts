/**
 * Runs the system parsers over real outputs collected from public projects
 * (/work/shared/corpus, next to the repository) and checks the values make
 * sense, not only that nothing throws. Every file of each folder is read, so
 * files added later are covered by the generic checks.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseProcStat, cpuPercent, type CpuTimes } from '../../src/parse/proc-stat.js';
import { parseProcMeminfo } from '../../src/parse/proc-meminfo.js';
import { parseProcLoadavg } from '../../src/parse/proc-loadavg.js';
import { parseProcUptime } from '../../src/parse/proc-uptime.js';
import { parseProcNetDev } from '../../src/parse/proc-net-dev.js';
import { parseDf } from '../../src/parse/df.js';
import { parseLsblk } from '../../src/parse/lsblk.js';
import { parseIpAddr } from '../../src/parse/ip-addr.js';
import { parseSmartctl } from '../../src/parse/smartctl.js';
import { smartHealth } from '../../src/parse/smart-health.js';
import { CORPUS_DIR, IN_CI, corpusAvailable, expectParseFailed } from '../system-test-support.js';

const ZERO: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
const GIB = 1024 ** 3;
const HAVE_CORPUS = corpusAvailable();

function files(folder: string, pattern: RegExp = /./): string[] {
  const names = readdirSync(path.join(CORPUS_DIR, folder)).filter((n) => pattern.test(n)).sort();
  expect(names.length, `no files matching ${pattern} in corpus/${folder}`).toBeGreaterThan(0);
  return names;
}
const read = (folder: string, name: string): string => readFileSync(path.join(CORPUS_DIR, folder, name), 'utf8');

if (!HAVE_CORPUS) {
  if (IN_CI) {
    it('finds the public corpus (required when CI=true)', () => {
      throw new Error(`corpus folder missing: ${CORPUS_DIR}`);
    });
  } else {
    it.skip(`corpus tests skipped: ${CORPUS_DIR} not found`, () => {});
  }
}

describe.skipIf(!HAVE_CORPUS)(`system parsers over the corpus at ${CORPUS_DIR}`, () => {
  it('proc_stat: per-CPU lines add up to the aggregate and since-boot busy % is within 0..100', () => {
    for (const name of files('proc_stat')) {
      const text = read('proc_stat', name);
      const stat = parseProcStat(text);
      const cpuLines = text.split(/\r?\n/).filter((l) => /^cpu\d+ /.test(l)).length;
      expect(stat.cpus.length, name).toBe(cpuLines);
      expect(stat.cpus.length, name).toBeGreaterThan(0);
      const sumUser = stat.cpus.reduce((s, c) => s + c.times.user, 0);
      const sumIdle = stat.cpus.reduce((s, c) => s + c.times.idle, 0);
      expect(Math.abs(sumUser - stat.cpu.user), name).toBeLessThanOrEqual(Math.max(stat.cpu.user * 0.01, stat.cpus.length));
      expect(Math.abs(sumIdle - stat.cpu.idle), name).toBeLessThanOrEqual(Math.max(stat.cpu.idle * 0.01, stat.cpus.length));
      const busy = cpuPercent(ZERO, stat.cpu);
      expect(busy, name).not.toBeNull();
      expect(busy!, name).toBeGreaterThan(0);
      expect(busy!, name).toBeLessThan(100);
      expect(stat.processesForked, name).toBeGreaterThan(0);
      expect(stat.procsRunning, name).toBeGreaterThanOrEqual(1);
    }
    expect(parseProcStat(read('proc_stat', 'nodeexp_8cpu_guest.txt')).cpu).toMatchObject({ guest: 44, guestNice: 36 });
    expect(parseProcStat(read('proc_stat', 'goprocinfo_8cpu_steal.txt')).cpu.steal).toBe(6932);
  });

  it('proc_meminfo: totals match MemTotal, availability is estimated exactly when MemAvailable is missing', () => {
    for (const name of files('proc_meminfo')) {
      const text = read('proc_meminfo', name);
      const mem = parseProcMeminfo(text);
      const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(text)?.[1]);
      expect(mem.totalBytes, name).toBe(memTotalKb * 1024);
      expect(mem.totalBytes, name).toBeGreaterThan(128 * 1024 * 1024);
      expect(mem.totalBytes, name).toBeLessThan(1024 * GIB);
      expect(mem.availableBytes, name).toBeGreaterThan(0);
      expect(mem.availableBytes, name).toBeLessThanOrEqual(mem.totalBytes);
      expect(mem.availableEstimated, name).toBe(!/^MemAvailable:/m.test(text));
      expect(mem.usedPercent, name).toBeGreaterThan(0);
      expect(mem.usedPercent, name).toBeLessThan(100);
    }
    const noAvail = parseProcMeminfo(read('proc_meminfo', 'nodeexp_3.7g_noavail.txt'));
    expect(noAvail.availableBytes).toBe((225472 + 22040 + 930888 + 44772) * 1024);
    const legacy = parseProcMeminfo(read('proc_meminfo', 'gopsutil_issue1002_legacy_header.txt'));
    expect(legacy).toMatchObject({ totalBytes: 254472 * 1024, availableBytes: 210156 * 1024, availableEstimated: false });
    expect(parseProcMeminfo(read('proc_meminfo', 'goprocinfo_128g_noeol.txt')).fields['DirectMap1G']).toBe(121634816 * 1024);
  });

  it('proc_loadavg_uptime: load and task counts are plausible, idle may exceed uptime', () => {
    for (const name of files('proc_loadavg_uptime', /^loadavg_/)) {
      const load = parseProcLoadavg(read('proc_loadavg_uptime', name));
      for (const l of [load.load1, load.load5, load.load15]) expect(l, name).toBeLessThan(100);
      expect(load.totalTasks, name).toBeGreaterThanOrEqual(load.runningTasks);
      expect(load.runningTasks, name).toBeGreaterThanOrEqual(1);
      expect(load.lastPid, name).toBeGreaterThan(0);
    }
    for (const name of files('proc_loadavg_uptime', /^uptime_/)) {
      const up = parseProcUptime(read('proc_loadavg_uptime', name));
      expect(up.uptimeSeconds, name).toBeGreaterThan(0);
      expect(up.idleSeconds, name).toBeGreaterThan(0);
    }
    expect(parseProcLoadavg(read('proc_loadavg_uptime', 'loadavg_jamescun_7digitpid.txt')).lastPid).toBe(1558584);
    expect(parseProcUptime(read('proc_loadavg_uptime', 'uptime_goprocinfo.txt'))).toEqual({ uptimeSeconds: 23535.5, idleSeconds: 188023.2 });
  });

  it('proc_net_dev: every data line is an interface and loopback sends what it receives', () => {
    for (const name of files('proc_net_dev')) {
      const text = read('proc_net_dev', name);
      const { interfaces } = parseProcNetDev(text);
      expect(interfaces.length, name).toBe(text.split('\n').slice(2).filter((l) => l.trim() !== '').length);
      for (const i of interfaces) expect(i.name, name).not.toMatch(/\s/);
      const lo = interfaces.find((i) => i.name === 'lo');
      expect(lo, name).toBeDefined();
      expect(lo!.rxBytes, name).toBe(lo!.txBytes);
    }
    const edge = parseProcNetDev(read('proc_net_dev', 'nodeexp_edgecases.txt')).interfaces;
    expect(edge.map((i) => i.name)).toEqual(expect.arrayContaining(['ibr10:30', 'flannel.1', '\u{1F4A9}0', 'veth4B09XN']));
    expect(edge.find((i) => i.name === 'eth0')).toMatchObject({ rxBytes: 68210035552, rxPackets: 520993275, txBytes: 9315587528 });
    expect(edge.find((i) => i.name === 'flannel.1')!.txDrops).toBe(64);
    const squeezed = parseProcNetDev(read('proc_net_dev', 'goprocinfo_squeezed.txt')).interfaces;
    expect(squeezed.find((i) => i.name === 'eth0')).toMatchObject({ rxBytes: 23443246382, txBytes: 10900929232 });
    const wg = parseProcNetDev(read('proc_net_dev', 'jamescun_wg0_podman.txt')).interfaces.find((i) => i.name === 'wg0');
    expect(wg).toMatchObject({ rxErrors: 430, rxFrame: 430, txErrors: 790, txDrops: 1981 });
  });

  it('df_lsblk: POSIX df in bytes with the Type column; df -h and text lsblk fail cleanly', () => {
    const centos = parseDf(read('df_lsblk', 'df_centos77_1k.txt'));
    expect(centos.blockSizeBytes).toBe(1024);
    expect(centos.filesystems).toHaveLength(7);
    expect(centos.filesystems.find((f) => f.mount === '/')).toMatchObject({
      filesystem: '/dev/mapper/centos-root', sizeBytes: 17811456 * 1024, usedBytes: 1805580 * 1024, usedPercent: 11,
    });
    for (const f of centos.filesystems) expect(f.usedBytes + f.availableBytes).toBeLessThanOrEqual(f.sizeBytes);
    const pt = parseDf(read('df_lsblk', 'df_PT_long_device.txt'));
    expect(pt.filesystems.map((f) => [f.filesystem, f.type, f.usedPercent])).toEqual([
      ['/dev/mapper/VolGroup00-LogVol00', 'ext3', 21], ['proc', 'proc', null], ['sysfs', 'sysfs', null],
    ]);
    expectParseFailed(() => parseDf(read('df_lsblk', 'df_h_ubuntu1804_snaps.txt')), 'df', /df -h/);

    const lsblk = parseLsblk(read('df_lsblk', 'lsblk_J_fm_luks_snaps.json'));
    expect(lsblk.devices.length).toBeGreaterThan(5);
    expect(lsblk.devices.filter((d) => d.name.startsWith('loop')).length).toBeGreaterThan(3);
    for (const d of lsblk.devices) expect(d.type).toBeNull(); // TYPE was not among the columns asked for
    const sda = lsblk.devices.find((d) => d.name === 'sda');
    expect(sda!.children.map((c) => c.name)).toContain('sda1');
    for (const name of files('df_lsblk', /^lsblk_.*\.txt$/)) expectParseFailed(() => parseLsblk(read('df_lsblk', name)), 'lsblk');
  });

  it('ip_json: every interface named, loopback holds 127.0.0.1/8, non-MAC link addresses are not MACs', () => {
    for (const name of files('ip_json', /\.json$/)) {
      const { interfaces } = parseIpAddr(read('ip_json', name));
      expect(interfaces.length, name).toBeGreaterThan(1);
      const lo = interfaces.find((i) => i.name === 'lo');
      expect(lo!.addresses.map((a) => `${a.address}/${a.prefixLength}`), name).toContain('127.0.0.1/8');
      for (const i of interfaces) {
        if (i.mac !== null) expect(i.mac, name).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        for (const a of i.addresses) expect(a.prefixLength, name).toBeLessThanOrEqual(a.family === 'inet' ? 32 : 128);
      }
    }
    const netplan = parseIpAddr(read('ip_json', 'netplan_ip_d_j_addr_7ifaces.json')).interfaces;
    expect(netplan.find((i) => i.name === 'wg0')).toMatchObject({ mac: null, mtu: 1420 });
    expect(netplan.find((i) => i.name === 'tun0')!.mac).toBeNull();
    expect(netplan.find((i) => i.name === 'tun1')).toMatchObject({ addresses: [] });
    expect(netplan.find((i) => i.name === 'wwan0')!.state).toBe('DOWN');
    const kind = parseIpAddr(read('ip_json', 'metallb_kind_node_dualstack.json')).interfaces;
    expect(kind.find((i) => i.name === 'eth0')!.addresses.map((a) => a.family)).toEqual(expect.arrayContaining(['inet', 'inet6']));
  });

  it('smartctl: JSON and text reports read with sane values and verdicts', () => {
    for (const name of files('smartctl', /\.(?:json|txt)$/)) {
      const r = parseSmartctl(read('smartctl', name));
      expect(r.smart, name).toBe('available');
      expect(r.model, name).not.toBeNull();
      expect(r.serial, name).not.toBeNull();
      expect(r.capacityBytes, name).toBeGreaterThan(100 * GIB);
      expect(r.temperatureC, name).toBeGreaterThan(10);
      expect(r.temperatureC, name).toBeLessThan(70);
      if (name !== 'pysmart_sas_hdd_megaraid.txt') {
        // (that SAS text carries no power-on time)
        expect(r.powerOnHours, name).toBeGreaterThan(0);
        expect(r.powerOnHours, name).toBeLessThan(200_000);
      }
      expect(typeof r.smartPassed, name).toBe('boolean');
      const verdict = smartHealth(r).verdict;
      expect(verdict, name).toBe(r.smartPassed ? 'healthy' : 'critical');
    }
    const failed = parseSmartctl(read('smartctl', 'scrutiny_failed_hdd_usb.json'));
    expect(failed).toMatchObject({ reallocatedSectors: 1975, pendingSectors: 8, uncorrectableSectors: 0, temperatureC: 25, deviceType: 'usbjmicron' });
    expect(failed.exitFlags).toEqual(['diskFailing', 'prefailAtOrBelowThreshold', 'errorLogHasErrors', 'selfTestLogHasErrors']);
    expect(smartHealth(failed).reasons).toContain('attribute 5 Reallocated_Sector_Ct FAILING_NOW');
    const megaraid = parseSmartctl(read('smartctl', 'telegraf_megaraid_sata_hdd.json'));
    expect(megaraid).toMatchObject({ temperatureC: 25, powerOnHours: 44316, reallocatedSectors: 0, exitFlags: ['smartCommandFailed'] });
    const nvme = parseSmartctl(read('smartctl', 'telegraf_nvme_sabrent.json'));
    expect(nvme).toMatchObject({ protocol: 'NVMe', percentageUsed: 4, nvme: { mediaErrors: 0, criticalWarning: 0 } });
    const oldFailed = parseSmartctl(read('smartctl', 'otus_failed_seagate_smartctl6.6.txt'));
    expect(oldFailed).toMatchObject({ smartPassed: false, capacityBytes: 160041885696, reallocatedSectors: 65453 });
    expect(smartHealth(oldFailed).reasons).toContain('attribute 5 Reallocated_Sector_Ct FAILING_NOW');
    expect(parseSmartctl(read('smartctl', 'pysmart_nvme_smartctl7.5.txt'))).toMatchObject({ protocol: 'NVMe', temperatureC: 43, percentageUsed: 0, nvme: { mediaErrors: 0, criticalWarning: 0 } });
    expect(parseSmartctl(read('smartctl', 'pysmart_sas_hdd_megaraid.txt'))).toMatchObject({ protocol: 'SCSI', temperatureC: 40, reallocatedSectors: 0, uncorrectableSectors: 0 });
  });
});
