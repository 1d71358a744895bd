/**
 * MessagePack container headers, for code that writes a map or an array
 * around entries or items already encoded (the hub's list frames, the event
 * data built from an agent's payload).
 */
const U16_MAX = 0xffff;

/** A container header: the fix form below 16 items, else the 16- or 32-bit one. */
function containerHeader(count: number, fix: number, with16: number, with32: number): Buffer {
  if (count <= 15) return Buffer.from([fix | count]);
  const wide = count > U16_MAX;
  const b = Buffer.alloc(wide ? 5 : 3);
  b[0] = wide ? with32 : with16;
  if (wide) b.writeUInt32BE(count, 1);
  else b.writeUInt16BE(count, 1);
  return b;
}

/** Map header for `count` key/value pairs (fixmap, map16 or map32). */
export function mapHeaderBytes(count: number): Buffer {
  return containerHeader(count, 0x80, 0xde, 0xdf);
}

/** Array header for `count` items (fixarray, array16 or array32). */
export function arrayHeaderBytes(count: number): Buffer {
  return containerHeader(count, 0x90, 0xdc, 0xdd);
}
