// Seeded random MessagePack-able values for codec tests (replayable: same seed, same values).

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = [
  0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 53, -1, -31, -32, -33, -127, -128, -129, -32768, -32769,
  -(2 ** 31), -(2 ** 31) - 1, 1.5, -0.25, 1e300, 1737028800000.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0,
];
const CHARS = ['a', 'Z', '0', ' ', '\n', 'é', 'ß', '✓', '中', '😀', '\ud800', '\udc00', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff'];

export function randomString(r: () => number): string {
  const lengths = [0, 1, 5, 31, 32, 33, 63, 64, 65, 100, 255, 256, 300, 1000];
  const n = lengths[Math.floor(r() * lengths.length)] as number;
  const ascii = r() < 0.5;
  let s = '';
  for (let i = 0; i < n; i++) s += ascii ? String.fromCharCode(32 + Math.floor(r() * 95)) : (CHARS[Math.floor(r() * CHARS.length)] as string);
  return s;
}

export function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 10));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return NUMBERS[Math.floor(r() * NUMBERS.length)];
    case 3:
      return Math.floor((r() - 0.5) * 2 ** (1 + Math.floor(r() * 52)));
    case 4:
    case 5:
      return randomString(r);
    case 6: {
      const sizes = [0, 1, 255, 256, 1000];
      return Buffer.alloc(sizes[Math.floor(r() * sizes.length)] as number, Math.floor(r() * 256));
    }
    case 7: {
      const n = Math.floor(r() * 20);
      return Array.from({ length: n }, () => randomValue(r, depth + 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 20);
      for (let i = 0; i < n; i++) o[randomString(r).slice(0, 40)] = randomValue(r, depth + 1);
      return o;
    }
  }
}
