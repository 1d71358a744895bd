/**
 * Builds a MessagePack map whose last value is a list of already-encoded
 * items, without decoding or re-encoding the items:
 *
 *   buildListFrame({ t: 'events' }, 'events', [bytesA, bytesB])
 *     ≡ encode({ t: 'events', events: [A, B] })
 *
 * The map and array headers come from the shared msgpack-headers.ts; the
 * scalar head fields are encoded with the shared codec.
 */
import { arrayHeaderBytes, encode, mapHeaderBytes } from '@infrastructor/shared';

export function buildListFrame(head: Readonly<Record<string, unknown>>, listKey: string, items: readonly Uint8Array[]): Buffer {
  const keys = Object.keys(head);
  const parts: Uint8Array[] = [mapHeaderBytes(keys.length + 1)];
  for (const key of keys) parts.push(encode(key), encode(head[key]));
  parts.push(encode(listKey), arrayHeaderBytes(items.length));
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
