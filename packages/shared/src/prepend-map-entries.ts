/**
 * Build a MessagePack map from string entries of our own followed by the
 * entries of a map someone else encoded, without decoding and encoding
 * those again: the hub's event data for a record is the agent's payload
 * with `agentId` and `site` in front. The caller decides whether the
 * payload's entries may go out as they are (the hub: only when it holds
 * exactly the fields it validated, see ingest/event-data.ts).
 */
import { encode } from './codec.js';
import { mapHeader } from './decode-keeping-raw.js';
import { mapHeaderBytes } from './msgpack-headers.js';

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
  const head = mapHeaderBytes(header.count + ownHeader.count);
  const ownBody = own.subarray(ownHeader.bodyOffset);
  const body = bytes.subarray(header.bodyOffset);
  const out = Buffer.allocUnsafe(head.byteLength + ownBody.byteLength + body.byteLength);
  head.copy(out, 0);
  ownBody.copy(out, head.byteLength);
  out.set(body, head.byteLength + ownBody.byteLength);
  return out;
}
