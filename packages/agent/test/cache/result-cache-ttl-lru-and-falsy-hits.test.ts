import { describe, it, expect } from 'vitest';
import { ResultCache } from '../../src/cache/result-cache.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const entry = (data: unknown) => ({ data, collectedAtMs: 0, bytes: 1 });

describe('ResultCache', () => {
  it('serves an entry until its TTL passes, then misses', () => {
    const c = clock();
    const cache = new ResultCache({ maxEntries: 10, now: c.now });
    cache.set('k', entry({ a: 1 }), 30_000);
    c.advance(29_999);
    expect(cache.get('k')?.data).toEqual({ a: 1 });
    c.advance(2);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('treats empty lists, 0, false and null as hits', () => {
    const c = clock();
    const cache = new ResultCache({ maxEntries: 10, now: c.now });
    const values: unknown[] = [[], 0, false, null, ''];
    values.forEach((v, i) => cache.set(`k${i}`, entry(v), 1000));
    values.forEach((v, i) => {
      const got = cache.get(`k${i}`);
      expect(got).toBeDefined();
      expect(got?.data).toEqual(v);
    });
    expect(cache.stats().hits).toBe(values.length);
    expect(cache.stats().misses).toBe(0);
  });

  it('never stores with TTL 0 and drops an older entry', () => {
    const c = clock();
    const cache = new ResultCache({ maxEntries: 10, now: c.now });
    cache.set('k', entry(1), 1000);
    cache.set('k', entry(2), 0);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it('evicts the least recently used entry past maxEntries and counts it', () => {
    const c = clock();
    const cache = new ResultCache({ maxEntries: 2, now: c.now });
    cache.set('a', entry('a'), 10_000);
    cache.set('b', entry('b'), 10_000);
    expect(cache.get('a')).toBeDefined(); // a is now most recent
    cache.set('c', entry('c'), 10_000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.stats().evictions).toBe(1);
  });

  it('rejects a nonsense size', () => {
    expect(() => new ResultCache({ maxEntries: 0, now: () => 0 })).toThrow(RangeError);
  });
});
