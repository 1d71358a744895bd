import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs, ReconnectBackoff } from '../../src/stream/reconnect-backoff.js';

describe('full-jitter backoff', () => {
  it('is random(0, min(max, base·2^attempt))', () => {
    const nearlyOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => fullJitterDelayMs(a, 500, 30_000, nearlyOne))).toEqual([
      499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999,
    ]);
    expect(fullJitterDelayMs(5, 500, 30_000, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, 500, 30_000, () => 0.5)).toBe(2000);
    // Never reaches the cap itself, whatever random returns; huge attempts do not overflow.
    expect(fullJitterDelayMs(2, 100, 10_000, () => 1)).toBe(399);
    expect(fullJitterDelayMs(10_000, 500, 30_000, () => 0.5)).toBe(15_000);
  });

  it('counts attempts, waits the max delay for slow retries, and resets after a success', () => {
    const draws: number[] = [];
    const backoff = new ReconnectBackoff({
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => {
        draws.push(draws.length);
        return 0.5;
      },
    });
    expect([backoff.nextDelayMs(false), backoff.nextDelayMs(false), backoff.nextDelayMs(false)]).toEqual([50, 100, 200]);
    expect(backoff.nextDelayMs(true)).toBe(1000);
    expect(backoff.attempt).toBe(4);
    expect(backoff.nextDelayMs(false)).toBe(500);
    backoff.reset();
    expect(backoff.nextDelayMs(false)).toBe(50);
    expect(draws).toHaveLength(5);
  });
});
