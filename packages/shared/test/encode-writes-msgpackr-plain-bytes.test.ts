// codec.ts encodes plain values with its own loop; it must write exactly the
// bytes msgpackr's plain pack writes (records off), for every kind of value.
import { describe, it, expect } from 'vitest';
import { Packr } from 'msgpackr';
import { decode, encode } from '../src/index.js';
import { prng, randomValue } from './support/random-values.js';

const reference = new Packr({ useRecords: false });

function expectSameBytes(value: unknown): void {
  const ours = encode(value);
  const theirs = reference.pack(value);
  expect(Buffer.isBuffer(ours)).toBe(true);
  expect(ours.toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
}

describe('encode writes msgpackr plain bytes', () => {
  it('for random JSON-like values with Buffers, at every size boundary', () => {
    const r = prng(20250116);
    for (let i = 0; i < 3000; i++) expectSameBytes(randomValue(r, 0));
  });

  it('for long strings, big arrays, objects and Buffers (16- and 32-bit headers)', () => {
    for (const n of [65535, 65536, 70000]) {
      expectSameBytes('x'.repeat(n));
      expectSameBytes('é'.repeat(n / 2));
      expectSameBytes(Buffer.alloc(n, 7));
      expectSameBytes(Array.from({ length: n }, (_, i) => i % 300));
    }
    expectSameBytes(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
    // Grows past the slab while writing one value.
    expectSameBytes(Array.from({ length: 3000 }, (_, i) => ({ i, s: 'y'.repeat(i % 200), b: Buffer.alloc(i % 50) })));
  });

  it('for values it hands to msgpackr (undefined, Date, Map, bigint, Uint8Array, class instances)', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    for (const v of [
      undefined,
      { a: undefined, b: [undefined, 1] },
      new Date(1737028800000),
      new Map<unknown, unknown>([['a', 1], [2, 'b']]),
      2n ** 40n,
      new Uint8Array([1, 2, 3]),
      new Point(1, 2),
      nullProto,
      { constructor: 'not a function', x: [1] },
      { toJSON: () => ({ y: 2 }) },
    ]) {
      expectSameBytes(v);
    }
  });

  it('many values in a row share and outgrow the slab without corrupting earlier results', () => {
    const r = prng(7);
    const values = Array.from({ length: 1000 }, () => randomValue(r, 0));
    const bytes = values.map((v) => encode(v));
    // Still intact after everything encoded since.
    values.forEach((v, i) => expect(bytes[i]!.equals(Buffer.from(reference.pack(v)))).toBe(true));
    expect(decode(encode({ after: 'all that' }))).toEqual({ after: 'all that' });
  });
});
