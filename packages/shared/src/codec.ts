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

export interface Codec {
  encode(value: unknown): Buffer;
  decode(bytes: Uint8Array): unknown;
}

// Records are off for the plain codec, so these instances carry no state
// from one call to the next (no shared structures, no logger, no I/O): they
// are configuration constants, not singletons in the project's sense.
const plainPackr = new Packr({ useRecords: false });
const plainUnpackr = new Unpackr({ useRecords: false, copyBuffers: true });

/** Plain, self-describing MessagePack. Throws INTERNAL for values MessagePack cannot hold. */
export function encode(value: unknown): Buffer {
  return encodeWith(plainPackr, value);
}

/**
 * Decode one complete MessagePack value. Empty input, truncated input,
 * trailing bytes and reserved tokens fail with DECODE_FAILED.
 */
export function decode(bytes: Uint8Array): unknown {
  return decodeWith(plainUnpackr, bytes);
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
