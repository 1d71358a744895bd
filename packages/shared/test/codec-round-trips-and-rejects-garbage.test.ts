import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createRecordCodec, decode, decodeSharing, encode, InfraError } from '../src/index.js';

function decodeError(bytes: Uint8Array): InfraError {
  try {
    decode(bytes);
  } catch (err) {
    if (err instanceof InfraError) return err;
    throw new Error(`decode threw a non-InfraError: ${String(err)}`);
  }
  throw new Error('decode accepted the bytes');
}

describe('codec', () => {
  it('round-trips the values the agent stores', () => {
    const values: unknown[] = [
      null,
      0,
      -1,
      2 ** 40,
      1.5,
      'text',
      '',
      true,
      [],
      [1, 'a', null],
      { nested: { list: [1, 2, { deep: 'x' }], empty: {} }, unicode: 'zürich ✓' },
      { bytes: Buffer.from([1, 2, 3]) },
    ];
    for (const v of values) expect(decode(encode(v))).toEqual(v);
    expect(Buffer.isBuffer(encode({ a: 1 }))).toBe(true);
  });

  it('turns empty, truncated, trailing and reserved bytes into DECODE_FAILED', () => {
    const whole = encode({ host: 'nas', values: [1, 2, 3] });
    for (const bytes of [new Uint8Array(0), whole.subarray(0, whole.length - 2), Buffer.concat([whole, whole]), Buffer.from([0xc1])]) {
      const err = decodeError(bytes);
      expect(err.code).toBe('DECODE_FAILED');
      expect(err.details['reason']).toBe('msgpack');
    }
  });

  it('never crashes on random garbage: a value or a coded error', () => {
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = randomBytes(1 + (i % 97));
      try {
        decode(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(InfraError);
        expect((err as InfraError).code).toBe('DECODE_FAILED');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('rejects non-byte input and reports unencodable values as INTERNAL', () => {
    expect(() => decode('abc' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encode(cyclic)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => encode({ s: Symbol('x') })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('does not let a __proto__ key reach the prototype', () => {
    const bytes = Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x70, 0xc3]);
    const value = decode(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
  });

  it('record codec: decodes a stream in order; structures do not leak into plain decode', () => {
    const sender = createRecordCodec();
    const receiver = createRecordCodec();
    const frames = [
      { seq: 1, kind: 'audit', host: 'a' },
      { seq: 2, kind: 'audit', host: 'b' },
      { seq: 3, kind: 'audit', host: 'c' },
    ].map((v) => sender.encode(v));
    // Later frames of the same shape only carry a structure id: smaller.
    expect(frames[1]!.length).toBeLessThan(frames[0]!.length);
    expect(frames.map((f) => receiver.decode(f))).toEqual([
      { seq: 1, kind: 'audit', host: 'a' },
      { seq: 2, kind: 'audit', host: 'b' },
      { seq: 3, kind: 'audit', host: 'c' },
    ]);
    // A receiver that missed the first frame cannot read the second: per stream, in order.
    expect(() => createRecordCodec().decode(frames[1]!)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    // The plain decoder keeps no structures between calls.
    expect(decode(frames[0]!)).toEqual({ seq: 1, kind: 'audit', host: 'a' });
    expect(() => decode(frames[1]!)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('decodeSharing gives bins as views into the input (decode copies them); values and errors are the same', () => {
    const frame = Buffer.from(encode({ records: [{ seq: 1, payload: Buffer.from([1, 2, 3]) }] }));
    const shared = decodeSharing(frame) as { records: { payload: Buffer }[] };
    const copied = decode(frame) as { records: { payload: Buffer }[] };
    expect(shared).toEqual(copied);
    expect(shared.records[0]!.payload.buffer).toBe(frame.buffer);
    expect(copied.records[0]!.payload.buffer).not.toBe(frame.buffer);
    expect(() => decodeSharing(frame.subarray(0, frame.length - 1))).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });
});
