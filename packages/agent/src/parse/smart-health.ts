/**
 * One verdict per disk from a parsed smartctl report, with the reasons.
 *
 * critical: the drive says it is failing (self-assessment FAILED, exit bit 3,
 *   an attribute FAILING_NOW / prefail at threshold), or an NVMe drive
 *   reports degraded reliability or read-only media.
 * warning: reallocated, pending or uncorrectable sectors; an attribute that
 *   failed in the past; a failed self-test; other NVMe critical-warning bits,
 *   media errors or spare below threshold; endurance used >= 90 %; high
 *   temperature.
 * unknown: no SMART data (unsupported, disabled, asleep, unreadable).
 */
import type { SmartctlReport } from './smartctl.js';

export type SmartVerdict = 'healthy' | 'warning' | 'critical' | 'unknown';

export interface SmartHealth {
  verdict: SmartVerdict;
  reasons: string[];
}

export interface SmartHealthLimits {
  /** Warn at or above this temperature for spinning/ATA/SAS drives. */
  warnTemperatureC: number;
  /** NVMe controllers run hotter; their own throttling starts around 70-80 °C. */
  warnNvmeTemperatureC: number;
  warnPercentageUsed: number;
}

export const DEFAULT_SMART_HEALTH_LIMITS: Readonly<SmartHealthLimits> = Object.freeze({
  warnTemperatureC: 60,
  warnNvmeTemperatureC: 70,
  warnPercentageUsed: 90,
});

const NVME_WARNING_BITS: ReadonlyArray<{ bit: number; text: string; critical: boolean }> = [
  { bit: 0, text: 'available spare below threshold', critical: false },
  { bit: 1, text: 'temperature outside the allowed range', critical: false },
  { bit: 2, text: 'reliability degraded by media errors', critical: true },
  { bit: 3, text: 'media placed in read-only mode', critical: true },
  { bit: 4, text: 'volatile memory backup failed', critical: false },
  { bit: 5, text: 'persistent memory region read-only', critical: false },
];

const RANK: Readonly<Record<SmartVerdict, number>> = { unknown: 0, healthy: 1, warning: 2, critical: 3 };

export function smartHealth(report: SmartctlReport, limits: Readonly<SmartHealthLimits> = DEFAULT_SMART_HEALTH_LIMITS): SmartHealth {
  if (report.smart !== 'available') {
    return { verdict: 'unknown', reasons: [`no SMART data (${report.smart}): ${report.smartReason ?? 'no reason given'}`] };
  }
  const critical: string[] = [];
  const warning: string[] = [];

  if (report.smartPassed === false) critical.push('SMART overall self-assessment FAILED');
  else if (report.exitFlags.includes('diskFailing')) critical.push('smartctl reports DISK FAILING');
  for (const a of report.failingAttributes) {
    const what = `attribute ${a.id} ${a.name}`;
    if (a.whenFailed === 'now') critical.push(`${what} FAILING_NOW`);
    else warning.push(`${what} failed in the past`);
  }
  if (report.exitFlags.includes('prefailAtOrBelowThreshold') && !report.failingAttributes.some((a) => a.whenFailed === 'now')) {
    critical.push('a prefail attribute is at or below its threshold');
  }
  if (report.exitFlags.includes('attributeWasAtOrBelowThreshold') && !report.failingAttributes.some((a) => a.whenFailed === 'past')) {
    warning.push('an attribute was at or below its threshold in the past');
  }

  if ((report.reallocatedSectors ?? 0) > 0) warning.push(`${report.reallocatedSectors} reallocated sectors`);
  if ((report.pendingSectors ?? 0) > 0) warning.push(`${report.pendingSectors} pending sectors`);
  if ((report.uncorrectableSectors ?? 0) > 0) warning.push(`${report.uncorrectableSectors} uncorrectable sectors`);
  if (report.lastSelfTestPassed === false || report.exitFlags.includes('selfTestLogHasErrors')) {
    warning.push('a self-test failed');
  }

  const nvme = report.nvme;
  if (nvme) {
    for (const b of NVME_WARNING_BITS) {
      if ((nvme.criticalWarning & (1 << b.bit)) !== 0) (b.critical ? critical : warning).push(`NVMe critical warning: ${b.text}`);
    }
    if ((nvme.mediaErrors ?? 0) > 0) warning.push(`${nvme.mediaErrors} NVMe media errors`);
  }
  if (report.percentageUsed !== null && report.percentageUsed >= limits.warnPercentageUsed) {
    warning.push(`${report.percentageUsed}% of rated endurance used`);
  }
  const tempLimit = nvme ? limits.warnNvmeTemperatureC : limits.warnTemperatureC;
  if (report.temperatureC !== null && report.temperatureC >= tempLimit) {
    warning.push(`temperature ${report.temperatureC} °C (warn at ${tempLimit} °C)`);
  }

  if (critical.length > 0) return { verdict: 'critical', reasons: [...critical, ...warning] };
  if (warning.length > 0) return { verdict: 'warning', reasons: warning };
  if (report.smartPassed === null && report.attributes.length === 0 && !nvme) {
    return { verdict: 'unknown', reasons: ['smartctl reported no health data'] };
  }
  return { verdict: 'healthy', reasons: [] };
}

/**
 * A host's verdict over its disks: the worst known verdict. A disk without
 * SMART (a USB stick) does not turn the host "unknown"; only when no disk
 * has a known verdict (or there are no disks) is the result unknown.
 */
export function overallVerdict(verdicts: readonly SmartVerdict[]): SmartVerdict {
  let worst: SmartVerdict = 'unknown';
  for (const v of verdicts) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}
