/**
 * Decode a MessagePack map but keep the values of some keys as they are
 * (`PreEncoded` views of their bytes): the hub validates a result's envelope
 * (host, command, times, …) and passes its `data` — most of the bytes — on
 * to the retained state and to subscribers without building it as objects.
 *
 * The kept values are still checked: each must be one complete, well-formed
 * MessagePack value (`valueEnd`). Anything unusual — not a map at the top,
 * a key that is not a string, trailing or missing bytes — is handed to the
 * full `decode`, so errors (DECODE_FAILED) and results are the same as
 * `decode` gives, except that kept values may be PreEncoded.
 */
import { decode } from './codec.js';
import { InfraError } from './errors.js';
import { PreEncoded } from './pre-encoded.js';

function malformed(message: string, bytes: Uint8Array): InfraError {
  return new InfraError('DECODE_FAILED', `malformed MessagePack: ${message}`, { details: { reason: 'msgpack', byteLength: bytes.byteLength } });
}

function be(b: Uint8Array, at: number, size: 1 | 2 | 4): number {
  if (size === 1) return b[at] as number;
  if (size === 2) return ((b[at] as number) << 8) | (b[at + 1] as number);
  return (b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
}

export interface MapHeader {
  /** How many key/value pairs the map holds. */
  count: number;
  /** Where its first key starts. */
  bodyOffset: number;
}

/** The header of the MessagePack map `bytes` starts with, or undefined when it does not start with a map. */
export function mapHeader(bytes: Uint8Array): MapHeader | undefined {
  const t = bytes[0];
  if (t === undefined) return undefined;
  if (t >= 0x80 && t < 0x90) return { count: t & 0x0f, bodyOffset: 1 };
  if (t === 0xde && bytes.length >= 3) return { count: be(bytes, 1, 2), bodyOffset: 3 };
  if (t === 0xdf && bytes.length >= 5) return { count: be(bytes, 1, 4), bodyOffset: 5 };
  return undefined;
}

/**
 * Where the MessagePack value starting at `pos` ends (exclusive). Walks the
 * structure without building it (no recursion: a count of values still to
 * read). Throws DECODE_FAILED on truncation and the reserved byte 0xc1.
 */
export function valueEnd(b: Uint8Array, pos: number): number {
  const n = b.length;
  let pending = 1;
  while (pending > 0) {
    if (pos >= n) throw malformed('unexpected end of input', b);
    const t = b[pos++] as number;
    pending--;
    if (t < 0x80 || t >= 0xe0) continue; // fixint
    if (t < 0x90) {
      pending += 2 * (t & 0x0f); // fixmap
      continue;
    }
    if (t < 0xa0) {
      pending += t & 0x0f; // fixarray
      continue;
    }
    if (t < 0xc0) {
      pos += t & 0x1f; // fixstr
      continue;
    }
    let size: 1 | 2 | 4;
    switch (t) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        continue;
      case 0xc1:
        throw malformed('reserved token 0xc1', b);
      case 0xcc:
      case 0xd0:
        pos += 1;
        continue;
      case 0xcd:
      case 0xd1:
        pos += 2;
        continue;
      case 0xca:
      case 0xce:
      case 0xd2:
        pos += 4;
        continue;
      case 0xcb:
      case 0xcf:
      case 0xd3:
        pos += 8;
        continue;
      case 0xd4: // fixext 1, 2, 4, 8, 16: type byte + data
        pos += 2;
        continue;
      case 0xd5:
        pos += 3;
        continue;
      case 0xd6:
        pos += 5;
        continue;
      case 0xd7:
        pos += 9;
        continue;
      case 0xd8:
        pos += 17;
        continue;
      case 0xc4: // bin 8/16/32, str 8/16/32: length, then bytes
      case 0xd9:
        size = 1;
        break;
      case 0xc5:
      case 0xda:
        size = 2;
        break;
      case 0xc6:
      case 0xdb:
        size = 4;
        break;
      case 0xc7: // ext 8/16/32: length, type byte, data
      case 0xc8:
      case 0xc9: {
        const s: 1 | 2 | 4 = t === 0xc7 ? 1 : t === 0xc8 ? 2 : 4;
        if (pos + s > n) throw malformed('unexpected end of input', b);
        pos += s + 1 + be(b, pos, s);
        continue;
      }
      case 0xdc: // array 16/32
      case 0xdd: {
        const s: 2 | 4 = t === 0xdc ? 2 : 4;
        if (pos + s > n) throw malformed('unexpected end of input', b);
        pending += be(b, pos, s);
        pos += s;
        continue;
      }
      default: {
        // 0xde, 0xdf: map 16/32
        const s: 2 | 4 = t === 0xde ? 2 : 4;
        if (pos + s > n) throw malformed('unexpected end of input', b);
        pending += 2 * be(b, pos, s);
        pos += s;
        continue;
      }
    }
    if (pos + size > n) throw malformed('unexpected end of input', b);
    pos += size + be(b, pos, size);
  }
  if (pos > n) throw malformed('unexpected end of input', b);
  return pos;
}

/** The string starting at `pos` (str family), or undefined when the value there is not a string. */
function readStr(b: Buffer, pos: number): { value: string; end: number } | undefined {
  const t = b[pos] as number;
  let start: number;
  let length: number;
  if (t >= 0xa0 && t < 0xc0) {
    start = pos + 1;
    length = t & 0x1f;
  } else if (t === 0xd9 && pos + 1 < b.length) {
    start = pos + 2;
    length = b[pos + 1] as number;
  } else if (t === 0xda && pos + 2 < b.length) {
    start = pos + 3;
    length = be(b, pos + 1, 2);
  } else return undefined;
  const end = start + length;
  if (end > b.length) return undefined;
  return { value: b.toString('utf8', start, end), end };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Like `decode(bytes)`, but for a top-level map the values of `keep` come
 * back as PreEncoded (their bytes, validated as well-formed MessagePack).
 */
export function decodeKeepingRaw(bytes: Uint8Array, keep: ReadonlySet<string>): unknown {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) return decode(bytes);
  const b = asBuffer(bytes);
  const header = mapHeader(b);
  if (header === undefined) return decode(b);
  const count = header.count;
  let pos = header.bodyOffset;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    if (pos >= b.length) return decode(b);
    const key = readStr(b, pos);
    if (key === undefined) return decode(b);
    const from = key.end;
    const to = valueEnd(b, from);
    const value = keep.has(key.value) ? new PreEncoded(b.subarray(from, to)) : scalarAt(b, from, to);
    out[key.value === '__proto__' ? '__proto_' : key.value] = value; // as msgpackr does
    pos = to;
  }
  if (pos !== b.length) return decode(b);
  return out;
}

/** The value in b[from, to): the common scalars read here, anything else through `decode`. */
function scalarAt(b: Buffer, from: number, to: number): unknown {
  const t = b[from] as number;
  if (t < 0x80) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t >= 0xa0 && t < 0xc0) return b.toString('utf8', from + 1, to);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcb:
      return b.readDoubleBE(from + 1);
    case 0xcc:
      return b[from + 1];
    case 0xcd:
      return b.readUInt16BE(from + 1);
    case 0xce:
      return b.readUInt32BE(from + 1);
    case 0xd0:
      return b.readInt8(from + 1);
    case 0xd1:
      return b.readInt16BE(from + 1);
    case 0xd2:
      return b.readInt32BE(from + 1);
    case 0xd9:
      return b.toString('utf8', from + 2, to);
    default:
      return decode(b.subarray(from, to));
  }
}
