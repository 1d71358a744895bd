/**
 * What smartctl says about one device, whichever output format it came in
 * (smartctl.ts reads the JSON of smartmontools 7.0+, smartctl-text.ts the
 * text of older ones), and the bits both readers share.
 */
import type { SmartctlExitFlag } from './smartctl-exit-status.js';

export type SmartSupport = 'available' | 'unsupported' | 'disabled' | 'standby' | 'unavailable';

export interface SmartAttribute {
  id: number;
  name: string;
  /** Normalised value, worst and threshold (vendor scale, higher is better). */
  value: number | null;
  worst: number | null;
  threshold: number | null;
  /** First number of smartctl's decoded raw value. */
  raw: number | null;
  /** "now" = FAILING_NOW, "past" = failed in the past, null = never. */
  whenFailed: 'now' | 'past' | null;
}

export interface NvmeHealth {
  /** Bitmask: 0 spare low, 1 temperature, 2 reliability degraded, 3 read-only, 4 volatile backup failed, 5 PMR read-only. */
  criticalWarning: number;
  mediaErrors: number | null;
  percentageUsed: number | null;
  availableSparePercent: number | null;
  availableSpareThresholdPercent: number | null;
  errorLogEntries: number | null;
  unsafeShutdowns: number | null;
}

export interface SmartctlReport {
  device: string | null;
  /** smartctl's device type: "sat", "nvme", "scsi", "usbjmicron", "sat+megaraid,14"... */
  deviceType: string | null;
  /** "ATA", "NVMe", "SCSI". */
  protocol: string | null;
  smart: SmartSupport;
  /** Why SMART data is missing (smartctl's own message), null when available. */
  smartReason: string | null;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  capacityBytes: number | null;
  /** 0 for SSDs, null when not reported. */
  rotationRateRpm: number | null;
  temperatureC: number | null;
  powerOnHours: number | null;
  /** ATA 5; SCSI grown defect list. */
  reallocatedSectors: number | null;
  /** ATA 197. */
  pendingSectors: number | null;
  /** ATA 198 (187 when 198 is absent); SCSI total uncorrected read/write/verify errors. */
  uncorrectableSectors: number | null;
  /** Endurance used: NVMe percentage_used, SAS SSD endurance indicator. */
  percentageUsed: number | null;
  /** The overall self-assessment; null when smartctl did not report one. */
  smartPassed: boolean | null;
  /** Result of the most recent self-test (ATA), null when unknown. */
  lastSelfTestPassed: boolean | null;
  /** ATA attributes that are failing now or failed in the past. */
  failingAttributes: SmartAttribute[];
  attributes: SmartAttribute[];
  nvme: NvmeHealth | null;
  exitStatus: number | null;
  exitFlags: SmartctlExitFlag[];
  messages: string[];
}

export const UNSUPPORTED_RE =
  /unknown usb bridge|unable to detect device type|please specify device type|lacks smart capability|smart support is:\s*unavailable|does not support smart|smart not supported|packet interface devices|not a device of type/i;
export const STANDBY_RE = /is in (?:standby|sleep|idle)[ _]?\w* mode/i;

/** First decimal number of a decoded raw string ("25 (Min/Max 20/30)" → 25, "44299h+04m" → 44299). */
export function leadingNumber(s: string | null): number | null {
  if (s === null) return null;
  const m = /^\s*(\d+)(?![\dxX.])/.exec(s);
  return m ? Number(m[1]) : null;
}
