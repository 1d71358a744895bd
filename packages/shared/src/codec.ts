/**
 * MessagePack encoding for everything Infrastructor stores or sends
 * (outbox payloads on disk, frames on the agent → hub stream).
 *
 * Two flavours:
 *
 * - `encode` / `decode`: plain, self-describing MessagePack (records off).
 *   Every buffer decodes on its own, today or after a restart, by any peer.
 *   Use this for anything written to disk (the outbox) — it must stay
 *   readable without any state.
 *
 * - `createRecordCodec()`: msgpackr "records" in sequential mode. The first
 *   time an object shape is seen, its key list is written inline and given a
 *   small id; later objects of the same shape only carry the id and values.
 *   Much smaller for streams of same-shaped objects, BUT the bytes are only
 *   decodable by a decoder that has seen every earlier buffer of the same
 *   encoder, in order. So: structures are per stream. Create one codec per
 *   connection direction (the sender uses its `encode`, the receiver a
 *   fresh codec's `decode`), decode every frame in order, never share a
 *   codec between connections, and throw both away on reconnect. Never put
 *   record-encoded bytes on disk.
 *
 * Decoding never trusts its input: the result is `unknown` (validate it) and
 * malformed bytes fail with an InfraError DECODE_FAILED, never a crash.
 */
import { C1, Packr, Unpackr } from 'msgpackr';
import { InfraError } from './errors.js';
import { PreEncoded } from './pre-encoded.js';

export interface Codec {
  encode(value: unknown): Buffer;
  decode(bytes: Uint8Array): unknown;
}

// Records are off for the plain codec, so these instances carry no state
// from one call to the next (no shared structures, no logger, no I/O): they
// are configuration constants, not singletons in the project's sense.
const plainPackr = new Packr({ useRecords: false });
const plainUnpackr = new Unpackr({ useRecords: false, copyBuffers: true });
const sharingUnpackr = new Unpackr({ useRecords: false, copyBuffers: false });

/** Plain, self-describing MessagePack. Throws INTERNAL for values MessagePack cannot hold. */
export function encode(value: unknown): Buffer {
  if (packing) return encodeWith(plainPackr, value); // re-entered (from a getter or toJSON): msgpackr alone
  try {
    return packPlain(value);
  } catch (err) {
    throw new InfraError('INTERNAL', `value cannot be encoded as MessagePack: ${messageOf(err)}`, {
      cause: err,
      details: { reason: 'msgpack' },
    });
  }
}

// ---- the plain encoder -------------------------------------------------
//
// The same bytes as `plainPackr.pack(value)` (msgpackr with records off),
// written by a smaller loop for the values records are made of: plain
// objects, arrays, strings, numbers, booleans, null and Buffers (and
// PreEncoded values, whose bytes are copied as they are). Anything
// else (undefined, Date, Map, bigint, typed arrays, class instances, …) is
// handed to msgpackr and its bytes spliced in, so the output never differs.
// Measured on the benchmark records (bench/src/benches/codec.ts): about 1.3×
// msgpackr's own plain `pack`, which loses to JSON.stringify on several.
// Like msgpackr, results are views into a shared slab (no copy per call).

const SLAB_BYTES = 64 * 1024;
/** Start a new slab when less than this is left (so most values fit without growing). */
const SLAB_MIN_ROOM = 2048;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
/** Next free byte in the slab (values start word-aligned, like msgpackr). */
let slabFree = 0;
let start = 0;
let pos = 0;
let packing = false;
const hasOwn = Object.prototype.hasOwnProperty;
const NATIVE_FROM_CHARS = 24;
/** Buffer#utf8Write (what Buffer#write calls after checking its arguments), when present. */
const nativeUtf8Write = (Buffer.prototype as unknown as { utf8Write?: (this: Buffer, s: string, offset: number, length: number) => number }).utf8Write;
function utf8Write(b: Buffer, s: string, offset: number): number {
  return nativeUtf8Write !== undefined ? nativeUtf8Write.call(b, s, offset, b.length - offset) : b.write(s, offset, b.length - offset, 'utf8');
}
/** String.prototype.isWellFormed (Node ≥ 20). */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

function packPlain(value: unknown): Buffer {
  if (slab.length - slabFree < SLAB_MIN_ROOM) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, slab.length));
    slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
    slabFree = 0;
  }
  start = pos = slabFree;
  packing = true;
  try {
    packValue(value);
  } finally {
    packing = false;
  }
  const out = slab.subarray(start, pos);
  slabFree = (pos + 7) & ~7;
  return out;
}

/** Make room for `bytes` more: a bigger slab holding what this value has so far. */
function room(bytes: number): void {
  if (pos + bytes <= slab.length) return;
  const used = pos - start;
  let size = Math.max(SLAB_BYTES, slab.length);
  while (size < (used + bytes) * 2) size *= 2;
  const next = Buffer.allocUnsafeSlow(size);
  slab.copy(next, 0, start, pos);
  slab = next;
  slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
  start = 0;
  pos = used;
  slabFree = 0;
}

function packValue(value: unknown): void {
  switch (typeof value) {
    case 'string':
      packString(value);
      return;
    case 'number':
      packNumber(value);
      return;
    case 'boolean':
      room(1);
      slab[pos++] = value ? 0xc3 : 0xc2;
      return;
    case 'object':
      if (value === null) {
        room(1);
        slab[pos++] = 0xc0;
        return;
      }
      if (value.constructor === Object) return packObject(value as Record<string, unknown>);
      if (value.constructor === Array) return packArray(value as unknown[]);
      if (Buffer.isBuffer(value)) return packBuffer(value);
      if (value instanceof PreEncoded) return packPreEncoded(value.bytes);
      break;
  }
  packFallback(value);
}

/** msgpackr's bytes for a value this encoder does not handle itself. */
function packFallback(value: unknown): void {
  const bytes = plainPackr.pack(value);
  room(bytes.length);
  slab.set(bytes, pos);
  pos += bytes.length;
}

function packObject(object: Record<string, unknown>): void {
  // map16 always, size filled in afterwards (as msgpackr writes plain objects).
  room(3);
  slab[pos] = 0xde;
  const at = pos - start;
  pos += 3;
  let size = 0;
  for (const key in object) {
    if (typeof object.hasOwnProperty !== 'function' || hasOwn.call(object, key)) {
      packKey(key);
      packValue(object[key]);
      size++;
    }
  }
  if (size > 0xffff) throw new RangeError('an object with more than 65535 keys cannot be encoded');
  slab[start + at + 1] = size >> 8;
  slab[start + at + 2] = size & 0xff;
}

/**
 * Object keys repeat (every record of a kind has the same ones): their
 * encoded bytes are kept, up to KEY_CACHE_MAX distinct keys (later ones are
 * simply encoded each time, so odd data cannot grow it without bound).
 */
const KEY_CACHE_MAX = 4096;
const keyCache = new Map<string, Uint8Array>();

function packKey(key: string): void {
  const cached = keyCache.get(key);
  if (cached !== undefined) {
    const n = cached.length;
    room(n);
    const b = slab;
    let at = pos;
    for (let i = 0; i < n; i++) b[at++] = cached[i] as number;
    pos = at;
    return;
  }
  const from = pos - start; // relative: room() may move the value to a bigger slab
  packString(key);
  // A copy (a view would see the slab's later contents).
  if (keyCache.size < KEY_CACHE_MAX && key.length < NATIVE_FROM_CHARS) keyCache.set(key, new Uint8Array(slab.subarray(start + from, pos)));
}

function packArray(array: readonly unknown[]): void {
  const length = array.length;
  room(5);
  if (length < 0x10) slab[pos++] = 0x90 | length;
  else if (length < 0x10000) {
    slab[pos++] = 0xdc;
    slab[pos++] = length >> 8;
    slab[pos++] = length & 0xff;
  } else {
    slab[pos++] = 0xdd;
    slabView.setUint32(pos, length);
    pos += 4;
  }
  for (let i = 0; i < length; i++) packValue(array[i]);
}

/** Bytes that already are one MessagePack value (pre-encoded.ts): copied as they are. */
function packPreEncoded(bytes: Uint8Array): void {
  room(bytes.byteLength);
  slab.set(bytes, pos);
  pos += bytes.byteLength;
}

function packBuffer(bytes: Buffer): void {
  const length = bytes.byteLength;
  room(length + 5);
  if (length < 0x100) {
    slab[pos++] = 0xc4;
    slab[pos++] = length;
  } else if (length < 0x10000) {
    slab[pos++] = 0xc5;
    slab[pos++] = length >> 8;
    slab[pos++] = length & 0xff;
  } else {
    slab[pos++] = 0xc6;
    slabView.setUint32(pos, length);
    pos += 4;
  }
  slab.set(bytes, pos);
  pos += length;
}

function packNumber(value: number): void {
  room(9);
  if (value >>> 0 === value) {
    if (value < 0x80) slab[pos++] = value;
    else if (value < 0x100) {
      slab[pos++] = 0xcc;
      slab[pos++] = value;
    } else if (value < 0x10000) {
      slab[pos++] = 0xcd;
      slab[pos++] = value >> 8;
      slab[pos++] = value & 0xff;
    } else {
      slab[pos++] = 0xce;
      slabView.setUint32(pos, value);
      pos += 4;
    }
  } else if (value >> 0 === value) {
    if (value >= -0x20) slab[pos++] = 0x100 + value;
    else if (value >= -0x80) {
      slab[pos++] = 0xd0;
      slab[pos++] = value + 0x100;
    } else if (value >= -0x8000) {
      slab[pos++] = 0xd1;
      slabView.setInt16(pos, value);
      pos += 2;
    } else {
      slab[pos++] = 0xd2;
      slabView.setInt32(pos, value);
      pos += 4;
    }
  } else {
    slab[pos++] = 0xcb;
    slabView.setFloat64(pos, value);
    pos += 8;
  }
}

function packString(value: string): void {
  const chars = value.length;
  // Header size guessed from the length in chars; moved below when the bytes need more.
  const guess = chars < 0x20 ? 1 : chars < 0x100 ? 2 : chars < 0x10000 ? 3 : 5;
  room(chars * 3 + 5);
  const b = slab;
  let at = pos;
  let length: number;
  // Native UTF-8 writing costs ~100 ns a call, the loop ~5 ns a char: native
  // from 24 chars on. Only for well-formed strings below 64 chars: msgpackr
  // writes lone surrogates there with its loop, and the bytes must not differ.
  if (chars >= NATIVE_FROM_CHARS && (chars >= 0x40 || (isWellFormed !== undefined && isWellFormed.call(value)))) {
    length = utf8Write(b, value, at + guess);
  } else {
    // Short strings: msgpackr's own loop (lone surrogates included, byte for byte).
    let p = at + guess;
    for (let i = 0; i < chars; i++) {
      let c1 = value.charCodeAt(i);
      if (c1 < 0x80) b[p++] = c1;
      else if (c1 < 0x800) {
        b[p++] = (c1 >> 6) | 0xc0;
        b[p++] = (c1 & 0x3f) | 0x80;
      } else {
        let c2: number;
        if ((c1 & 0xfc00) === 0xd800 && ((c2 = value.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
          c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
          i++;
          b[p++] = (c1 >> 18) | 0xf0;
          b[p++] = ((c1 >> 12) & 0x3f) | 0x80;
          b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
          b[p++] = (c1 & 0x3f) | 0x80;
        } else {
          b[p++] = (c1 >> 12) | 0xe0;
          b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
          b[p++] = (c1 & 0x3f) | 0x80;
        }
      }
    }
    length = p - at - guess;
  }
  if (length < 0x20) {
    b[at++] = 0xa0 | length;
  } else if (length < 0x100) {
    if (guess < 2) b.copyWithin(at + 2, at + 1, at + 1 + length);
    b[at++] = 0xd9;
    b[at++] = length;
  } else if (length < 0x10000) {
    if (guess < 3) b.copyWithin(at + 3, at + guess, at + guess + length);
    b[at++] = 0xda;
    b[at++] = length >> 8;
    b[at++] = length & 0xff;
  } else {
    if (guess < 5) b.copyWithin(at + 5, at + guess, at + guess + length);
    b[at++] = 0xdb;
    slabView.setUint32(at, length);
    at += 4;
  }
  pos = at + length;
}

/**
 * Decode one complete MessagePack value. Empty input, truncated input,
 * trailing bytes and reserved tokens fail with DECODE_FAILED.
 */
export function decode(bytes: Uint8Array): unknown {
  return decodeWith(plainUnpackr, bytes);
}

/**
 * Like `decode`, but byte strings (bin) come back as views into `bytes`
 * instead of copies. Only for input that nothing else will write to and
 * whose decoded bins are not kept after use (the hub's agent frames: their
 * record payloads are decoded, validated and stored in the same call).
 */
export function decodeSharing(bytes: Uint8Array): unknown {
  return decodeWith(sharingUnpackr, bytes);
}

/**
 * A record-structure codec for ONE stream direction (see the file comment:
 * structures are per stream; decode frames in the order they were encoded).
 */
export function createRecordCodec(): Codec {
  // `sequential` implies useRecords and writes each new structure inline the
  // first time it is used. (`structures: []` without `sequential` would
  // assume the structures are shared out of band and write none inline.)
  const packr = new Packr({ sequential: true });
  const unpackr = new Unpackr({ sequential: true, copyBuffers: true });
  return {
    encode: (value) => encodeWith(packr, value),
    decode: (bytes) => decodeWith(unpackr, bytes),
  };
}

function encodeWith(packr: Packr, value: unknown): Buffer {
  try {
    return packr.pack(value);
  } catch (err) {
    throw new InfraError('INTERNAL', `value cannot be encoded as MessagePack: ${messageOf(err)}`, {
      cause: err,
      details: { reason: 'msgpack' },
    });
  }
}

function decodeWith(unpackr: Unpackr, bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new InfraError('DECODE_FAILED', 'MessagePack input is not a byte array', {
      details: { reason: 'msgpack', type: typeof bytes },
    });
  }
  if (bytes.byteLength === 0) {
    throw new InfraError('DECODE_FAILED', 'MessagePack input is empty', { details: { reason: 'msgpack', byteLength: 0 } });
  }
  let value: unknown;
  try {
    value = unpackr.unpack(bytes) as unknown;
  } catch (err) {
    throw new InfraError('DECODE_FAILED', `malformed MessagePack: ${messageOf(err)}`, {
      cause: err,
      details: { reason: 'msgpack', byteLength: bytes.byteLength },
    });
  }
  if (value === C1) {
    throw new InfraError('DECODE_FAILED', 'malformed MessagePack: reserved token 0xc1', {
      details: { reason: 'msgpack', byteLength: bytes.byteLength },
    });
  }
  return value;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
