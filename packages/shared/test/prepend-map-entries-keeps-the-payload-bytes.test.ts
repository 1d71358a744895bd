// prependMapEntries: our entries first, then the other map's entries as its
// bytes — the result decodes like the merged object at every map-header size
// (fixmap, map16, map32), and anything that is not a map gives undefined.
import { describe, expect, it } from 'vitest';
import { decode, encode, mapHeader, prependMapEntries } from '../src/index.js';

function mapOf(n: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
}

describe('prependMapEntries', () => {
  // 13 + 2 = 15 (fixmap), 14 + 2 = 16 (map16), 65533 + 2 = 65535 (map16), 65534 + 2 = 65536 (map32).
  it.each([0, 1, 13, 14, 65_533, 65_534])('puts two entries in front of a map of %i and keeps its bytes', (n) => {
    const body = mapOf(n);
    const payload = encode(body);
    const out = prependMapEntries({ agentId: 'a1', site: 'alpha' }, payload);
    expect(out).toBeDefined();
    const merged = decode(out as Buffer) as Record<string, unknown>;
    expect(Object.keys(merged).slice(0, 2)).toEqual(['agentId', 'site']);
    expect(merged).toEqual({ agentId: 'a1', site: 'alpha', ...body });
    const header = mapHeader(payload);
    expect(header?.count).toBe(n);
    expect((out as Buffer).subarray((out as Buffer).length - (payload.length - (header?.bodyOffset ?? 0))).equals(payload.subarray(header?.bodyOffset))).toBe(true);
    expect(mapHeader(out as Buffer)?.count).toBe(n + 2);
  });

  it('gives undefined for anything that does not start with a map', () => {
    for (const v of [[1, 2], 'text', 42, null, Buffer.from([1, 2, 3])]) {
      expect(prependMapEntries({ agentId: 'a1' }, encode(v))).toBeUndefined();
    }
    expect(prependMapEntries({ agentId: 'a1' }, new Uint8Array(0))).toBeUndefined();
    // A map16/map32 header cut short is not a header.
    expect(mapHeader(Uint8Array.from([0xde, 0x00]))).toBeUndefined();
    expect(mapHeader(Uint8Array.from([0xdf, 0x00, 0x00, 0x01]))).toBeUndefined();
  });
});
