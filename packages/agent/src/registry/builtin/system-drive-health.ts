/**
 * drive_health: SMART health of every whole disk, with a verdict per disk
 * and one for the host.
 *
 * Disks are the entries of /sys/block named like real drives (sd*, hd*,
 * vd*, xvd*, nvme*n*, mmcblk*), so loop, ram, zram, sr, dm and md devices
 * are left out even where lsblk calls them "disk" (zram). Each disk gets a
 * section "disk" holding its name on the first line, then the JSON of
 * `smartctl -j -a` (or, for smartmontools older than 7.0, which has no
 * `-j`, its text: parse/smartctl-text.ts); the section keeps smartctl's exit status, a bitmask
 * rather than a failure. lsblk adds model/serial/size/transport for disks
 * smartctl cannot read. With `standby: skip` (default) sleeping ATA disks
 * are not spun up (`-n standby`) and come out as unknown for that run.
 */
import type { CommandSpec, ParamValues } from '../command-spec.js';
import { shellQuote } from '../shell-quote.js';
import { sectionScript, splitSections, type Section } from '../../parse/sections.js';
import { parseError } from '../../parse/parse-error.js';
import { parseLsblk, type BlockDevice } from '../../parse/lsblk.js';
import { parseSmartctl, type SmartctlReport, type SmartSupport } from '../../parse/smartctl.js';
import { decodeSmartctlExitStatus } from '../../parse/smartctl-exit-status.js';
import { overallVerdict, smartHealth, type SmartVerdict } from '../../parse/smart-health.js';
import { isInfraError } from '@infrastructor/shared';
import { HOUR_MS, SECOND_MS, stringParam } from './system-sections.js';

const NAME = 'drive_health';

/** What a disk's entry takes unchanged from its smartctl report. */
type ReportedFacts = Pick<
  SmartctlReport,
  | 'smart'
  | 'smartReason'
  | 'temperatureC'
  | 'powerOnHours'
  | 'reallocatedSectors'
  | 'pendingSectors'
  | 'uncorrectableSectors'
  | 'percentageUsed'
  | 'smartPassed'
  | 'exitStatus'
  | 'exitFlags'
>;

export interface DriveHealth extends ReportedFacts {
  name: string;
  // model ... transport: from smartctl or lsblk, whichever reports it.
  model: string | null;
  serial: string | null;
  capacityBytes: number | null;
  rotational: boolean | null;
  transport: string | null;
  verdict: SmartVerdict;
  reasons: string[];
}

export interface DriveHealthResult {
  /** Worst verdict over the disks with SMART data; unknown if none has any. */
  verdict: SmartVerdict;
  smartctlInstalled: boolean;
  disks: DriveHealth[];
}

/** The whole-disk rule, as the arms of a shell `case $d in`. */
const WHOLE_DISK_CASE = [
  '*[!A-Za-z0-9]*) continue ;;',
  'mmcblk*boot*|mmcblk*rpmb|nvme*c*) continue ;;',
  'sd*|hd*|vd*|xvd*|nvme*n*|mmcblk*) ;;',
  '*) continue ;;',
].join('\n    ');

function unreadable(smart: SmartSupport, reason: string, exitStatus: number | null): SmartctlReport {
  return {
    device: null, deviceType: null, protocol: null, smart, smartReason: reason,
    model: null, serial: null, firmware: null, capacityBytes: null, rotationRateRpm: null,
    temperatureC: null, powerOnHours: null, reallocatedSectors: null, pendingSectors: null,
    uncorrectableSectors: null, percentageUsed: null, smartPassed: null, lastSelfTestPassed: null,
    failingAttributes: [], attributes: [], nvme: null,
    exitStatus, exitFlags: exitStatus === null ? [] : decodeSmartctlExitStatus(exitStatus), messages: [],
  };
}

function readDiskSection(section: Section, smartctlInstalled: boolean): { name: string; report: SmartctlReport } {
  const nl = section.text.indexOf('\n');
  const name = (nl < 0 ? section.text : section.text.slice(0, nl)).trim();
  if (!/^[A-Za-z0-9]+$/.test(name)) throw parseError(NAME, 'disk section does not start with a device name', section.text);
  const body = nl < 0 ? '' : section.text.slice(nl + 1);
  if (!smartctlInstalled) {
    return { name, report: unreadable('unavailable', 'smartctl is not installed on the host (package smartmontools)', null) };
  }
  if (body.trim() === '') {
    const why = section.exitCode === 127 ? 'smartctl could not be run' : `smartctl printed nothing (exit status ${section.exitCode})`;
    return { name, report: unreadable('unavailable', why, section.exitCode) };
  }
  try {
    const report = parseSmartctl(body);
    return { name, report: report.exitStatus === null ? { ...report, exitStatus: section.exitCode, exitFlags: decodeSmartctlExitStatus(section.exitCode) } : report };
  } catch (err) {
    if (!isInfraError(err) || err.code !== 'PARSE_FAILED') throw err;
    const why = `smartctl output could not be read: ${err.message}`;
    return { name, report: unreadable('unavailable', why, section.exitCode) };
  }
}

function lsblkDevices(sections: readonly Section[]): Map<string, BlockDevice> {
  const s = sections.find((x) => x.name === 'lsblk');
  if (!s || s.exitCode !== 0 || s.text.trim() === '') return new Map();
  try {
    return new Map(parseLsblk(s.text).devices.map((d) => [d.name, d]));
  } catch (err) {
    if (!isInfraError(err) || err.code !== 'PARSE_FAILED') throw err;
    return new Map(); // lsblk only adds detail; smartctl has the same facts
  }
}

export interface DriveHealthScriptOptions {
  /** Where the disks are listed; tests point this at a fake folder. */
  sysBlockDir: string;
  /** Checked when smartctl is not on PATH (non-root shells often lack /usr/sbin). */
  smartctlFallbackPaths: readonly string[];
}

const SCRIPT_DEFAULTS: DriveHealthScriptOptions = {
  sysBlockDir: '/sys/block',
  smartctlFallbackPaths: ['/usr/sbin/smartctl', '/usr/local/sbin/smartctl', '/sbin/smartctl'],
};

export function driveHealthScript(
  params: ParamValues,
  nonce: string,
  options: DriveHealthScriptOptions = SCRIPT_DEFAULTS,
): string {
  const standby = stringParam(params, 'standby', 'skip') === 'wake' ? '' : ' -n standby';
  const sudo = stringParam(params, 'sudo', 'no') === 'yes' ? 'sudo -n ' : '';
  const fallbacks = options.smartctlFallbackPaths.map((p) => shellQuote(p)).join(' ');
  const perDisk = sectionScript(
    nonce,
    'disk',
    `printf '%s\\n' "$d"; if [ -n "$smartctl_bin" ]; then ${sudo}"$smartctl_bin" $smartctl_json -a${standby} "/dev/$d"; else (exit 127); fi`,
  );
  return [
    sectionScript(nonce, 'lsblk', 'lsblk -J -b -d -o NAME,TYPE,SIZE,MODEL,SERIAL,ROTA,TRAN 2>/dev/null'),
    'smartctl_bin=$(command -v smartctl 2>/dev/null)',
    fallbacks === ''
      ? ':'
      : `if [ -z "$smartctl_bin" ]; then for c in ${fallbacks}; do if [ -x "$c" ]; then smartctl_bin=$c; break; fi; done; fi`,
    sectionScript(nonce, 'smartctl-installed', '[ -n "$smartctl_bin" ]'),
    // JSON where smartctl has it (smartmontools 7.0+), its text before that.
    'smartctl_json=; if [ -n "$smartctl_bin" ] && "$smartctl_bin" -j --version >/dev/null 2>&1; then smartctl_json=-j; fi',
    `for p in ${shellQuote(options.sysBlockDir)}/*; do`,
    '  d=${p##*/}',
    '  case $d in',
    `    ${WHOLE_DISK_CASE}`,
    '  esac',
    `  ${perDisk}`,
    'done',
  ].join('\n');
}

export const driveHealthCommand: CommandSpec = {
  name: NAME,
  description: 'SMART health of every disk (smartctl -j -a; text before smartmontools 7.0): temperature, hours, bad sectors, NVMe wear, verdict',
  params: {
    standby: {
      type: 'enum',
      values: ['skip', 'wake'],
      default: 'skip',
      description: 'skip: leave sleeping ATA disks asleep (smartctl -n standby); wake: read them anyway',
    },
    sudo: {
      type: 'enum',
      values: ['no', 'yes'],
      default: 'no',
      description: 'yes: run smartctl through `sudo -n` (for a non-root SSH user allowed smartctl in sudoers)',
    },
  },
  // Hourly (at :17, off the top of the hour): SMART values move slowly and
  // reading them can be slow on busy or many disks. Generous timeout; one
  // retry only, since a timed-out run is likely to time out again.
  defaults: { schedule: '17 * * * *', ttlMs: HOUR_MS, timeoutMs: 60 * SECOND_MS, retries: 1, enabled: true },
  script: (params, ctx) => driveHealthScript(params, ctx.nonce),
  parse({ stdout }): DriveHealthResult {
    const sections = splitSections(NAME, stdout);
    const installed = sections.find((s) => s.name === 'smartctl-installed');
    if (!installed) throw parseError(NAME, 'missing section smartctl-installed', stdout);
    const smartctlInstalled = installed.exitCode === 0;
    const lsblk = lsblkDevices(sections);
    const disks = sections
      .filter((s) => s.name === 'disk')
      .map((s) => {
        const { name, report } = readDiskSection(s, smartctlInstalled);
        const blk = lsblk.get(name);
        const health = smartHealth(report);
        const disk: DriveHealth = {
          name,
          model: report.model ?? blk?.model ?? null,
          serial: report.serial ?? blk?.serial ?? null,
          capacityBytes: report.capacityBytes ?? blk?.sizeBytes ?? null,
          rotational: report.rotationRateRpm !== null ? report.rotationRateRpm > 0 : blk?.rotational ?? null,
          transport: blk?.transport ?? report.protocol?.toLowerCase() ?? null,
          smart: report.smart,
          smartReason: report.smartReason,
          temperatureC: report.temperatureC,
          powerOnHours: report.powerOnHours,
          reallocatedSectors: report.reallocatedSectors,
          pendingSectors: report.pendingSectors,
          uncorrectableSectors: report.uncorrectableSectors,
          percentageUsed: report.percentageUsed,
          smartPassed: report.smartPassed,
          exitStatus: report.exitStatus,
          exitFlags: report.exitFlags,
          verdict: health.verdict,
          reasons: health.reasons,
        };
        return disk;
      });
    return { verdict: overallVerdict(disks.map((d) => d.verdict)), smartctlInstalled, disks };
  },
};
