/**
 * `lsblk -J -b -d -o NAME,TYPE,SIZE,MODEL,SERIAL,ROTA,TRAN` (util-linux
 * 2.27+). Recent lsblk prints sizes as numbers and ROTA as a boolean; older
 * ones (before 2.33) print every value as a string ("1", "500107862016").
 * Both are accepted. Columns that were not asked for read as null; NAME is
 * required. Children (without -d) are kept nested.
 */
import { parseError } from './parse-error.js';
import { arrayField, isRecord, parseJsonText, stringField, type JsonRecord } from './json-fields.js';

const PARSER = 'lsblk';

export interface BlockDevice {
  name: string;
  /** "disk", "part", "loop", "rom", "lvm", "crypt", ... */
  type: string | null;
  sizeBytes: number | null;
  model: string | null;
  serial: string | null;
  rotational: boolean | null;
  /** "sata", "nvme", "usb", "sas", ... */
  transport: string | null;
  children: BlockDevice[];
}

export interface LsblkResult {
  devices: BlockDevice[];
}

function sizeOf(obj: JsonRecord, name: string, text: string): number | null {
  const v = obj['size'];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  throw parseError(PARSER, `size of ${name} is not a byte count (run lsblk with -b)`, text);
}

function rotaOf(obj: JsonRecord): boolean | null {
  const v = obj['rota'];
  if (typeof v === 'boolean') return v;
  if (v === '1' || v === 1) return true;
  if (v === '0' || v === 0) return false;
  return null;
}

function readDevice(value: unknown, text: string): BlockDevice {
  if (!isRecord(value)) throw parseError(PARSER, 'a block device is not an object', text);
  const name = stringField(value, 'name');
  if (name === null) throw parseError(PARSER, 'a block device has no name', text);
  const children = arrayField(value, 'children') ?? [];
  return {
    name,
    type: stringField(value, 'type'),
    sizeBytes: sizeOf(value, name, text),
    model: stringField(value, 'model'),
    serial: stringField(value, 'serial'),
    rotational: rotaOf(value),
    transport: stringField(value, 'tran'),
    children: children.map((c) => readDevice(c, text)),
  };
}

export function parseLsblk(text: string): LsblkResult {
  const doc = parseJsonText(PARSER, text);
  if (!isRecord(doc)) throw parseError(PARSER, 'expected a JSON object', text);
  const list = arrayField(doc, 'blockdevices');
  if (list === null) throw parseError(PARSER, 'no "blockdevices" array', text);
  return { devices: list.map((d) => readDevice(d, text)) };
}
