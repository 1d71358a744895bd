/**
 * The JSON of `smartctl -j -a /dev/X` (smartmontools 7.0+): ATA/SATA
 * (also behind SAT/USB bridges and MegaRAID), NVMe and SCSI/SAS devices.
 *
 * Raw ATA attribute values are often packed: Temperature_Celsius raw
 * 30064771097 is 25 °C with min/max in the upper bytes, and some vendors
 * pack extra counters above bit 32 of sector counts. smartctl's `raw.string`
 * is already decoded per the drive database, so its first number is used;
 * when it is not decimal, the low 32 bits of `raw.value` (low 8 for
 * temperatures).
 *
 * A device without usable SMART (unknown USB bridge, no SMART capability,
 * SMART disabled, asleep under `-n standby`, open failed) is not a parse
 * error: `smart` says which, and `smartReason` quotes smartctl. Input that
 * is neither smartctl JSON nor smartctl's text (smartctl-text.ts) is
 * PARSE_FAILED.
 */
import { parseError } from './parse-error.js';
import {
  arrayField,
  booleanField,
  isRecord,
  numberField,
  parseJsonText,
  pathField,
  pathNumber,
  recordField,
  stringField,
  type JsonRecord,
} from './json-fields.js';
import { decodeSmartctlExitStatus, type SmartctlExitFlag } from './smartctl-exit-status.js';
import { leadingNumber, STANDBY_RE, UNSUPPORTED_RE, type NvmeHealth, type SmartAttribute, type SmartctlReport, type SmartSupport } from './smartctl-report.js';
import { parseSmartctlText } from './smartctl-text.js';

export type { NvmeHealth, SmartAttribute, SmartctlReport, SmartSupport } from './smartctl-report.js';

const PARSER = 'smartctl';

function rawCount(raw: JsonRecord | null, lowBits: number): number | null {
  if (raw === null) return null;
  const fromString = leadingNumber(stringField(raw, 'string'));
  if (fromString !== null) return fromString;
  const value = numberField(raw, 'value');
  if (value === null || value < 0) return null;
  return value % 2 ** lowBits;
}

function readAttribute(value: unknown): SmartAttribute | null {
  if (!isRecord(value)) return null;
  const id = numberField(value, 'id');
  if (id === null) return null;
  const when = stringField(value, 'when_failed');
  const raw = recordField(value, 'raw');
  const lowBits = id === 190 || id === 194 ? 8 : 32;
  return {
    id,
    name: stringField(value, 'name') ?? `attribute_${id}`,
    value: numberField(value, 'value'),
    worst: numberField(value, 'worst'),
    threshold: numberField(value, 'thresh'),
    raw: rawCount(raw, lowBits),
    whenFailed: when === 'now' ? 'now' : when === 'past' ? 'past' : null,
  };
}

function readNvme(doc: JsonRecord): NvmeHealth | null {
  const log = recordField(doc, 'nvme_smart_health_information_log');
  if (log === null) return null;
  return {
    criticalWarning: numberField(log, 'critical_warning') ?? 0,
    mediaErrors: numberField(log, 'media_errors'),
    percentageUsed: numberField(log, 'percentage_used'),
    availableSparePercent: numberField(log, 'available_spare'),
    availableSpareThresholdPercent: numberField(log, 'available_spare_threshold'),
    errorLogEntries: numberField(log, 'num_err_log_entries'),
    unsafeShutdowns: numberField(log, 'unsafe_shutdowns'),
  };
}

function scsiUncorrected(doc: JsonRecord): number | null {
  const log = recordField(doc, 'scsi_error_counter_log');
  if (log === null) return null;
  let sum: number | null = null;
  for (const kind of ['read', 'write', 'verify']) {
    const n = pathNumber(log, kind, 'total_uncorrected_errors');
    if (n !== null) sum = (sum ?? 0) + n;
  }
  return sum;
}

function modelOf(doc: JsonRecord): string | null {
  const scsi = [stringField(doc, 'scsi_vendor'), stringField(doc, 'scsi_product')].filter((s) => s !== null).join(' ');
  return stringField(doc, 'model_name') ?? stringField(doc, 'scsi_model_name') ?? (scsi === '' ? null : scsi);
}

function supportOf(
  doc: JsonRecord,
  hasData: boolean,
  messages: readonly string[],
  flags: readonly SmartctlExitFlag[],
): { smart: SmartSupport; reason: string | null } {
  const available = pathField(doc, 'smart_support', 'available');
  const enabled = pathField(doc, 'smart_support', 'enabled');
  const said = messages.join('; ');
  if (enabled === false) return { smart: 'disabled', reason: said || 'SMART is disabled on the device (smartctl -s on enables it)' };
  if (hasData) return { smart: 'available', reason: null };
  if (messages.some((m) => STANDBY_RE.test(m))) return { smart: 'standby', reason: said };
  if (available === false || messages.some((m) => UNSUPPORTED_RE.test(m))) {
    return { smart: 'unsupported', reason: said || 'the device has no SMART capability' };
  }
  if (said !== '') return { smart: 'unavailable', reason: said };
  if (flags.includes('deviceOpenFailed')) return { smart: 'unavailable', reason: 'smartctl could not open the device' };
  return { smart: 'unavailable', reason: 'smartctl returned no SMART data' };
}

/** smartctl's JSON (`-j`), or its text for smartmontools older than 7.0 (smartctl-text.ts). */
export function parseSmartctl(text: string): SmartctlReport {
  const start = text.trimStart();
  if (start !== '' && !start.startsWith('{') && !start.startsWith('[')) return parseSmartctlText(text);
  const doc = parseJsonText(PARSER, text);
  if (!isRecord(doc)) throw parseError(PARSER, 'expected a JSON object', text);
  const tool = recordField(doc, 'smartctl');
  if (tool === null) throw parseError(PARSER, 'no "smartctl" object: not smartctl -j output', text);

  const exitStatus = numberField(tool, 'exit_status');
  const exitFlags = exitStatus === null ? [] : decodeSmartctlExitStatus(exitStatus);
  const messages = (arrayField(tool, 'messages') ?? [])
    .map((m) => (isRecord(m) ? stringField(m, 'string') : null))
    .filter((m): m is string => m !== null);

  const attributes = (arrayField(recordField(doc, 'ata_smart_attributes') ?? {}, 'table') ?? [])
    .map(readAttribute)
    .filter((a): a is SmartAttribute => a !== null);
  const attr = (id: number): SmartAttribute | undefined => attributes.find((a) => a.id === id);
  const nvme = readNvme(doc);
  const smartPassed = booleanField(recordField(doc, 'smart_status') ?? {}, 'passed');
  const grownDefects = numberField(doc, 'scsi_grown_defect_list');
  const hasData = smartPassed !== null || attributes.length > 0 || nvme !== null || grownDefects !== null;
  const support = supportOf(doc, hasData, messages, exitFlags);

  const device = recordField(doc, 'device');
  const temperatureC =
    pathNumber(doc, 'temperature', 'current') ??
    attr(194)?.raw ??
    attr(190)?.raw ??
    pathNumber(doc, 'nvme_smart_health_information_log', 'temperature');
  const powerOnHours = pathNumber(doc, 'power_on_time', 'hours') ?? attr(9)?.raw ?? null;
  const uncorrectable = attr(198)?.raw ?? attr(187)?.raw ?? scsiUncorrected(doc);
  const selfTest = pathField(doc, 'ata_smart_data', 'self_test', 'status', 'passed');

  return {
    device: device === null ? null : stringField(device, 'name'),
    deviceType: device === null ? null : stringField(device, 'type'),
    protocol: device === null ? null : stringField(device, 'protocol'),
    smart: support.smart,
    smartReason: support.reason,
    model: modelOf(doc),
    serial: stringField(doc, 'serial_number'),
    firmware: stringField(doc, 'firmware_version') ?? stringField(doc, 'scsi_revision'),
    capacityBytes: pathNumber(doc, 'user_capacity', 'bytes') ?? numberField(doc, 'nvme_total_capacity'),
    rotationRateRpm: numberField(doc, 'rotation_rate'),
    temperatureC: temperatureC ?? null,
    powerOnHours,
    reallocatedSectors: attr(5)?.raw ?? grownDefects,
    pendingSectors: attr(197)?.raw ?? null,
    uncorrectableSectors: uncorrectable,
    percentageUsed: nvme?.percentageUsed ?? numberField(doc, 'scsi_percentage_used_endurance_indicator'),
    smartPassed,
    lastSelfTestPassed: selfTest === true || selfTest === false ? selfTest : null,
    failingAttributes: attributes.filter((a) => a.whenFailed !== null),
    attributes,
    nvme,
    exitStatus,
    exitFlags,
    messages,
  };
}
