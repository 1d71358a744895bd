import { describe, expect, it } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { backoffDelayMs, isRetryable, withRetry } from '../../src/collect/retry.js';

const noSleep = async (): Promise<void> => undefined;

describe('withRetry', () => {
  it('retries retryable InfraErrors with exponential backoff and full jitter, then returns', async () => {
    const sleeps: number[] = [];
    const seen: Array<[string, number, number]> = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        expect(attempt).toBe(calls);
        if (calls < 4) throw new InfraError('SSH_CONNECTION_REFUSED', 'refused');
        return 'ok';
      },
      {
        retries: 5,
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => 0.999,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        onRetry: (err, attempt, delayMs) => seen.push([err.code, attempt, delayMs]),
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    // ceilings 100, 200, 400→capped 250; random just below 1
    expect(sleeps).toEqual([99, 199, 249]);
    expect(seen).toEqual([
      ['SSH_CONNECTION_REFUSED', 1, 99],
      ['SSH_CONNECTION_REFUSED', 2, 199],
      ['SSH_CONNECTION_REFUSED', 3, 249],
    ]);
  });

  it('gives up after `retries` extra attempts and throws the last error', async () => {
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw new InfraError('EXEC_TIMEOUT', `t${calls}`);
      },
      { retries: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: noSleep },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect((err as InfraError).message).toBe('t3');
  });

  it.each(['SSH_AUTH_FAILED', 'SSH_HOST_KEY_MISMATCH', 'SSH_HOST_KEY_UNKNOWN', 'SSH_KEY_READ_FAILED', 'EXEC_OUTPUT_TOO_LARGE', 'POOL_DESTROYED'] as const)(
    'never retries %s',
    async (code) => {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw new InfraError(code, 'no');
          },
          { retries: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: noSleep },
        ),
      ).rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    },
  );

  it('does not retry plain Errors, and never retries a non-retryable code even if flagged', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw Object.assign(new Error('boom'), { retryable: true });
        },
        { retries: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: noSleep },
      ),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
    const forged = Object.assign(new InfraError('SSH_AUTH_FAILED', 'x'), { retryable: true });
    expect(isRetryable(forged)).toBe(false);
    expect(isRetryable(new InfraError('SSH_CONNECT_TIMEOUT', 'x'))).toBe(true);
  });

  it('stops waiting when aborted and rejects with ABORTED', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw new InfraError('SSH_CONNECTION_LOST', 'lost');
      },
      { retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(1);
  });

  it('backoffDelayMs is uniform in [0, min(max, base * 2^(n-1))]', () => {
    expect(backoffDelayMs(1, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelayMs(1, 100, 10_000, () => 0.5)).toBe(50);
    expect(backoffDelayMs(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(backoffDelayMs(20, 100, 10_000, () => 0.5)).toBe(5000);
  });
});
