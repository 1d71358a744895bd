/**
 * Build a MessagePack map from string entries of our own followed by the
 * entries of a map someone else encoded, without decoding and encoding
 * those again: the hub's event data for a record is the agent's payload
 * with `agentId` and `site` in front. The caller decides whether the
 * payload's entries may go out as they are (the hub: only when it holds
 * exactly the fields it validated, see ingest/event-data.ts).
 */
import { encode } from './codec.js';

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
  if (t === 0xde && bytes.length >= 3) return { count: ((bytes[1] as number) << 8) | (bytes[2] as number), bodyOffset: 3 };
  if (t === 0xdf && bytes.length >= 5) {
    const count = (bytes[1] as number) * 0x1000000 + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number));
    return { count, bodyOffset: 5 };
  }
  return undefined;
}

function headerBytes(count: number): Buffer {
  if (count < 16) return Buffer.from([0x80 | count]);
  if (count < 0x10000) return Buffer.from([0xde, count >>> 8, count & 0xff]);
  return Buffer.from([0xdf, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
}

/**
 * A new buffer holding one map: the entries of `first` (in their order),
 * then every entry of the map `bytes` as its bytes. Undefined when `bytes`
 * does not start with a map header. The entries of `bytes` are not checked
 * here: the caller has decoded and validated them.
 */
export function prependMapEntries(first: Readonly<Record<string, string>>, bytes: Uint8Array): Buffer | undefined {
  const header = mapHeader(bytes);
  if (header === undefined) return undefined;
  const own = encode(first);
  const ownHeader = mapHeader(own);
  if (ownHeader === undefined) return undefined;
  const head = headerBytes(header.count + ownHeader.count);
  const ownBody = own.subarray(ownHeader.bodyOffset);
  const body = bytes.subarray(header.bodyOffset);
  const out = Buffer.allocUnsafe(head.byteLength + ownBody.byteLength + body.byteLength);
  head.copy(out, 0);
  ownBody.copy(out, head.byteLength);
  out.set(body, head.byteLength + ownBody.byteLength);
  return out;
}
