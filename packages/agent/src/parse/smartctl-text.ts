/**
 * The text of `smartctl -a /dev/X`, for smartmontools older than 7.0 (no
 * `-j`) — the same SmartctlReport as the JSON reader (smartctl.ts) gives:
 *
 * - information section `Key: value` lines (ATA `Device Model`, NVMe
 *   `Model Number`, SCSI `Vendor` + `Product`; capacities with any thousands
 *   separator: `1,000,204,886,016` or `160 041 885 696`);
 * - the overall verdict (`SMART overall-health self-assessment test result:
 *   PASSED|FAILED!`, SCSI `SMART Health Status: OK`);
 * - the ATA attribute table (ID, name, value, worst, threshold, WHEN_FAILED,
 *   raw), NVMe `SMART/Health Information` lines, SCSI temperature, grown
 *   defects, power-on time and the error counter log;
 * - the ATA self-test execution status (its upper nibble: 0 passed, 3–8 a
 *   failure, otherwise unknown).
 *
 * Text that does not start with smartctl's banner is PARSE_FAILED. What the
 * text does not say (device name and type, smartctl's exit status) is null:
 * the caller knows the device and the exit status.
 */
import { parseError } from './parse-error.js';
import { leadingNumber, STANDBY_RE, UNSUPPORTED_RE, type NvmeHealth, type SmartAttribute, type SmartctlReport, type SmartSupport } from './smartctl-report.js';

const PARSER = 'smartctl';
const BANNER_RE = /^smartctl \d+\.\d+/;
const KEY_VALUE_RE = /^([A-Za-z][A-Za-z0-9 ./()'_-]{0,60}?):\s+(.*\S)\s*$/;
const ATTRIBUTE_RE = /^\s*(\d{1,3})\s+(\S+)\s+0x[0-9a-fA-F]+\s+(\d+)\s+(\d+)\s+(\d+|-+)\s+\S+\s+\S+\s+(\S+)\s+(.*?)\s*$/;
const MESSAGE_RE = /\bfailed\b|standby mode|sleep mode|unknown usb bridge|please specify device type|not supported|unavailable|lacks smart/i;

/** An integer with any thousands separators ("1,234", "1.234", "160 041 885 696" — also no-break spaces, as locales print them), or null. */
function separatedInt(s: string | undefined): number | null {
  if (s === undefined) return null;
  const m = /^\s*(\d[\d,.' \u00a0\u202f]*\d|\d)/.exec(s);
  if (!m) return null;
  const n = Number((m[1] as string).replace(/[,.' \u00a0\u202f]/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/** The first occurrence of each `Key: value` line, and every value of repeated keys. */
function keyValues(lines: readonly string[]): { first: Map<string, string>; all: Map<string, string[]> } {
  const first = new Map<string, string>();
  const all = new Map<string, string[]>();
  for (const line of lines) {
    const m = KEY_VALUE_RE.exec(line);
    if (!m) continue;
    const key = (m[1] as string).trim();
    const value = m[2] as string;
    if (!first.has(key)) first.set(key, value);
    all.set(key, [...(all.get(key) ?? []), value]);
  }
  return { first, all };
}

function readAttributes(lines: readonly string[]): SmartAttribute[] {
  const header = lines.findIndex((l) => /^ID#\s+ATTRIBUTE_NAME/.test(l));
  if (header < 0) return [];
  const out: SmartAttribute[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = ATTRIBUTE_RE.exec(line);
    if (!m) break;
    const when = m[6] as string;
    const threshold = /^\d+$/.test(m[5] as string) ? Number(m[5]) : null;
    out.push({
      id: Number(m[1]),
      name: m[2] as string,
      value: Number(m[3]),
      worst: Number(m[4]),
      threshold,
      raw: leadingNumber(m[7] as string),
      whenFailed: when === 'FAILING_NOW' ? 'now' : when === 'In_the_past' ? 'past' : null,
    });
  }
  return out;
}

function readNvme(kv: Map<string, string>, text: string): NvmeHealth | null {
  if (!/SMART\/Health Information \(NVMe/.test(text)) return null;
  const warning = kv.get('Critical Warning');
  return {
    criticalWarning: warning !== undefined && /^0x[0-9a-fA-F]+/.test(warning) ? parseInt(warning, 16) : 0,
    mediaErrors: separatedInt(kv.get('Media and Data Integrity Errors')),
    percentageUsed: separatedInt(kv.get('Percentage Used')),
    availableSparePercent: separatedInt(kv.get('Available Spare')),
    availableSpareThresholdPercent: separatedInt(kv.get('Available Spare Threshold')),
    errorLogEntries: separatedInt(kv.get('Error Information Log Entries')),
    unsafeShutdowns: separatedInt(kv.get('Unsafe Shutdowns')),
  };
}

/** SCSI error counter log: the sum of "Total uncorrected errors" (last column) of read, write and verify. */
function scsiUncorrected(lines: readonly string[]): number | null {
  let sum: number | null = null;
  for (const line of lines) {
    const m = /^(?:read|write|verify):\s+(.*\S)\s*$/.exec(line);
    if (!m) continue;
    const last = (m[1] as string).split(/\s+/).at(-1);
    if (last !== undefined && /^\d+$/.test(last)) sum = (sum ?? 0) + Number(last);
  }
  return sum;
}

/** ATA "Self-test execution status: (N)": upper nibble 0 passed, 3–8 failed, else unknown. */
function selfTestPassed(kv: Map<string, string>): boolean | null {
  const m = /^\(\s*(\d+)\)/.exec(kv.get('Self-test execution status') ?? '');
  if (!m) return null;
  const code = Number(m[1]) >> 4;
  if (code === 0) return true;
  return code >= 3 && code <= 8 ? false : null;
}

function verdict(kv: Map<string, string>): boolean | null {
  const ata = kv.get('SMART overall-health self-assessment test result');
  if (ata !== undefined) return /^PASSED/i.test(ata) ? true : /^FAILED/i.test(ata) ? false : null;
  const scsi = kv.get('SMART Health Status');
  if (scsi !== undefined) return /^OK\b/i.test(scsi);
  return null;
}

function protocolOf(kv: Map<string, string>, text: string, attributes: readonly SmartAttribute[]): string | null {
  if (kv.has('Model Number') || /SMART\/Health Information \(NVMe/.test(text)) return 'NVMe';
  if (kv.has('Transport protocol') || kv.has('SMART Health Status') || (kv.has('Vendor') && kv.has('Product'))) return 'SCSI';
  if (kv.has('Device Model') || kv.has('ATA Version is') || attributes.length > 0) return 'ATA';
  return null;
}

export function parseSmartctlText(text: string): SmartctlReport {
  const lines = text.split(/\r?\n/);
  const banner = lines.find((l) => l.trim() !== '');
  if (banner === undefined || !BANNER_RE.test(banner.trim())) throw parseError(PARSER, 'neither smartctl JSON nor smartctl text output', text);
  const { first: kv, all } = keyValues(lines);
  const attributes = readAttributes(lines);
  const attr = (id: number): SmartAttribute | undefined => attributes.find((a) => a.id === id);
  const nvme = readNvme(kv, text);
  const smartPassed = verdict(kv);
  const grownDefects = separatedInt(kv.get('Elements in grown defect list'));
  const messages = lines.map((l) => l.trim()).filter((l) => l !== '' && !KEY_VALUE_RE.test(l) && MESSAGE_RE.test(l)).slice(0, 5);
  const supportValues = all.get('SMART support is') ?? [];

  const hasData = smartPassed !== null || attributes.length > 0 || nvme !== null || grownDefects !== null;
  let smart: SmartSupport;
  let reason: string | null = null;
  if (supportValues.some((v) => /^Disabled/i.test(v))) {
    smart = 'disabled';
    reason = 'SMART is disabled on the device (smartctl -s on enables it)';
  } else if (hasData) smart = 'available';
  else if (STANDBY_RE.test(text)) smart = 'standby';
  else if (supportValues.some((v) => /^Unavailable/i.test(v)) || UNSUPPORTED_RE.test(text)) smart = 'unsupported';
  else smart = 'unavailable';
  if (smart !== 'available' && reason === null) reason = messages.join('; ') || (smart === 'unsupported' ? 'the device has no SMART capability' : 'smartctl returned no SMART data');

  const vendorProduct = [kv.get('Vendor'), kv.get('Product')].filter((s): s is string => s !== undefined).join(' ');
  const rotation = kv.get('Rotation Rate');
  const scsiHours = /power on time, hours:minutes\s+(\d+)/i.exec(text);
  const scsiTemperature = /^Current Drive Temperature:\s+(\d+)\s*C/m.exec(text);
  const nvmeTemperature = nvme === null ? null : leadingNumber(kv.get('Temperature') ?? null);
  return {
    device: null,
    deviceType: null,
    protocol: protocolOf(kv, text, attributes),
    smart,
    smartReason: smart === 'available' ? null : reason,
    model: kv.get('Device Model') ?? kv.get('Model Number') ?? (vendorProduct === '' ? null : vendorProduct),
    serial: kv.get('Serial Number') ?? kv.get('Serial number') ?? null,
    firmware: kv.get('Firmware Version') ?? kv.get('Revision') ?? null,
    capacityBytes: separatedInt(kv.get('User Capacity') ?? kv.get('Total NVM Capacity')),
    rotationRateRpm: rotation === undefined ? null : /solid state/i.test(rotation) ? 0 : separatedInt(rotation),
    temperatureC: nvmeTemperature ?? (scsiTemperature ? Number(scsiTemperature[1]) : null) ?? attr(194)?.raw ?? attr(190)?.raw ?? null,
    powerOnHours: separatedInt(kv.get('Power On Hours')) ?? attr(9)?.raw ?? (scsiHours ? Number(scsiHours[1]) : null),
    reallocatedSectors: attr(5)?.raw ?? grownDefects,
    pendingSectors: attr(197)?.raw ?? null,
    uncorrectableSectors: attr(198)?.raw ?? attr(187)?.raw ?? scsiUncorrected(lines),
    percentageUsed: nvme?.percentageUsed ?? separatedInt(kv.get('Percentage used endurance indicator')),
    smartPassed,
    lastSelfTestPassed: selfTestPassed(kv),
    failingAttributes: attributes.filter((a) => a.whenFailed !== null),
    attributes,
    nvme,
    exitStatus: null,
    exitFlags: [],
    messages,
  };
}
