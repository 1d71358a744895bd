// decodeKeepingRaw: the hub's reader for result envelopes. Kept fields come
// back as PreEncoded bytes (checked to be one well-formed value), the rest
// exactly as `decode` gives them, and bad input fails like `decode` does.
import { describe, it, expect } from 'vitest';
import { Packr } from 'msgpackr';
import { decode, decodeKeepingRaw, encode, InfraError, PreEncoded, valueEnd } from '../src/index.js';
import { prng, randomValue } from './support/random-values.js';

const KEEP = new Set(['data']);

function decodeFailed(fn: () => unknown): InfraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InfraError);
    expect((err as InfraError).code).toBe('DECODE_FAILED');
    return err as InfraError;
  }
  throw new Error('expected DECODE_FAILED');
}

/**
 * What decodeKeepingRaw should give for `encode(value)`: the same keys and
 * values as decode (compared as bytes: deep equality of big random values is
 * slow), the kept field as PreEncoded holding exactly the bytes it was
 * written as.
 */
function expectKeptAndDecoded(value: Record<string, unknown>): void {
  const bytes = encode(value);
  const full = decode(bytes) as Record<string, unknown>;
  const lazy = decodeKeepingRaw(bytes, KEEP) as Record<string, unknown>;
  expect(Object.keys(lazy)).toEqual(Object.keys(full));
  expect(lazy['data']).toBeInstanceOf(PreEncoded);
  expect(Buffer.from((lazy['data'] as PreEncoded).bytes).equals(encode(value['data']))).toBe(true);
  expect(encode({ ...lazy, data: full['data'] }).equals(encode(full))).toBe(true);
}

describe('decodeKeepingRaw passes kept fields through unchanged', () => {
  it('a result envelope: the other fields decoded, data kept as its own bytes', () => {
    const data = { containers: [{ id: 'abc', names: ['web'], ports: { mappings: [{ hostPort: 80 }] } }], available: true };
    const result = {
      host: 'nas',
      command: 'list_containers',
      paramsHash: 'e3b0c442',
      params: { unit: 'nginx.service', names: ['a', 'b'] },
      collectedAtMs: 1737028800000,
      durationMs: 84.2,
      bytes: 11000,
      data,
      correlationId: 'c-1',
    };
    const bytes = encode(result);
    const lazy = decodeKeepingRaw(bytes, KEEP) as Record<string, unknown>;
    expect({ ...lazy, data: undefined }).toEqual({ ...result, data: undefined });
    const kept = lazy['data'] as PreEncoded;
    expect(Buffer.from(kept.bytes).equals(encode(data))).toBe(true);
    // Encoding the envelope again splices the kept bytes: the same bytes as before.
    expect(encode(lazy).equals(bytes)).toBe(true);
  });

  it('for random maps of every kind of value (seeded), equal to decode but for the kept field', () => {
    const r = prng(20261126);
    for (let i = 0; i < 300; i++) {
      const o: Record<string, unknown> = { host: 'h', data: randomValue(r, 0) };
      const n = Math.floor(r() * 8);
      for (let k = 0; k < n; k++) o[`k${k}`] = randomValue(r, 1);
      expectKeptAndDecoded(o);
    }
  });

  it('valueEnd finds the end of every random value, including msgpackr extensions', () => {
    const r = prng(99);
    const withExt = new Packr({ useRecords: false });
    const values: unknown[] = [new Date(1737028800000), new Map([['a', 1]]), 2n ** 63n, -(2n ** 63n), 1.5, new Float32Array([1, 2])];
    for (let i = 0; i < 300; i++) values.push(randomValue(r, 0));
    for (const v of values) {
      const bytes = Buffer.concat([Buffer.from([0x01]), withExt.pack(v), Buffer.from([0xc0])]);
      expect(valueEnd(bytes, 1)).toBe(bytes.length - 1);
    }
  });

  it('a kept field that is truncated or holds the reserved byte fails with DECODE_FAILED', () => {
    const bytes = encode({ host: 'h', data: { list: [1, 2, 3], name: 'x'.repeat(40) } });
    for (let cut = 1; cut < bytes.length; cut++) decodeFailed(() => decodeKeepingRaw(bytes.subarray(0, cut), KEEP));
    // 0xc1 where the data map's first value should be.
    const reserved = Buffer.from(encode({ data: { a: 1 } }));
    reserved[reserved.length - 1] = 0xc1;
    expect(decodeFailed(() => decodeKeepingRaw(reserved, KEEP)).message).toMatch(/0xc1/);
  });

  it('trailing bytes, empty input and non-bytes fail like decode', () => {
    const bytes = encode({ host: 'h', data: [1] });
    decodeFailed(() => decodeKeepingRaw(Buffer.concat([bytes, Buffer.from([0x00])]), KEEP));
    decodeFailed(() => decodeKeepingRaw(Buffer.alloc(0), KEEP));
    decodeFailed(() => decodeKeepingRaw('not bytes' as unknown as Uint8Array, KEEP));
  });

  it('input that is not a string-keyed map is decoded in full (the validator then refuses it)', () => {
    for (const v of [[1, 2, { data: 1 }], 'text', 42, null, new Map<unknown, unknown>([[1, 'a'], ['data', 2]])]) {
      const bytes = new Packr({ useRecords: false }).pack(v);
      expect(decodeKeepingRaw(bytes, KEEP)).toEqual(decode(bytes));
    }
  });

  it('a __proto__ key is renamed as decode does, never setting the prototype', () => {
    // { "__proto__": { polluted: true }, data: 1 }, written by hand (an object literal cannot hold that key).
    const raw = Buffer.concat([Buffer.from([0x82, 0xa9]), Buffer.from('__proto__'), encode({ polluted: true }), Buffer.from([0xa4]), Buffer.from('data'), Buffer.from([0x01])]);
    const lazy = decodeKeepingRaw(raw, KEEP) as Record<string, unknown>;
    expect(Object.getPrototypeOf(lazy)).toBe(Object.prototype);
    expect(lazy['__proto_']).toEqual({ polluted: true });
    expect(Object.keys(lazy)).toEqual(Object.keys(decode(raw) as object));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
