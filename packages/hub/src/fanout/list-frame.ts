/**
 * Builds a MessagePack map whose last value is a list of already-encoded
 * items, without decoding or re-encoding the items:
 *
 *   buildListFrame({ t: 'events' }, 'events', [bytesA, bytesB])
 *     ≡ encode({ t: 'events', events: [A, B] })
 *
 * The map and array headers are written here; the scalar head fields are
 * encoded with the shared codec.
 */
import { encode } from '@infrastructor/shared';

const U16_MAX = 0xffff;

/** A MessagePack container header: the fix form below 16 items, else the 16- or 32-bit one. */
function containerHeader(count: number, fix: number, with16: number, with32: number): Buffer {
  if (count <= 15) return Buffer.from([fix | count]);
  const wide = count > U16_MAX;
  const b = Buffer.alloc(wide ? 5 : 3);
  b[0] = wide ? with32 : with16;
  if (wide) b.writeUInt32BE(count, 1);
  else b.writeUInt16BE(count, 1);
  return b;
}

function mapHeader(size: number): Buffer {
  return containerHeader(size, 0x80, 0xde, 0xdf);
}

/** MessagePack array header for `count` items (fixarray, array16 or array32). */
export function arrayHeader(count: number): Buffer {
  return containerHeader(count, 0x90, 0xdc, 0xdd);
}

export function buildListFrame(head: Readonly<Record<string, unknown>>, listKey: string, items: readonly Uint8Array[]): Buffer {
  const keys = Object.keys(head);
  const parts: Uint8Array[] = [mapHeader(keys.length + 1)];
  for (const key of keys) parts.push(encode(key), encode(head[key]));
  parts.push(encode(listKey), arrayHeader(items.length));
  for (const item of items) parts.push(item);
  return Buffer.concat(parts);
}

/** `{t:'events', events:[...]}` from pre-encoded events. */
export function buildEventsFrame(events: readonly { bytes: Uint8Array }[]): Buffer {
  return buildListFrame({ t: 'events' }, 'events', events.map((e) => e.bytes));
}

/** `{t:'snapshot', hubEpoch, seq, entries:[...]}` from pre-encoded events. */
export function buildSnapshotFrame(hubEpoch: string, seq: number, entries: readonly { bytes: Uint8Array }[]): Buffer {
  return buildListFrame({ t: 'snapshot', hubEpoch, seq }, 'entries', entries.map((e) => e.bytes));
}
