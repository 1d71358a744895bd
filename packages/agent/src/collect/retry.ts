/**
 * Retry with exponential backoff and full jitter. Only InfraErrors with
 * `retryable === true` are retried; authentication and host-key failures
 * never are, whatever their flag says.
 */
import { InfraError, isInfraError, type ErrorCode } from '@infrastructor/shared';

const NEVER_RETRY: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SSH_AUTH_FAILED',
  'SSH_HOST_KEY_MISMATCH',
  'SSH_HOST_KEY_UNKNOWN',
  'SSH_KEY_READ_FAILED',
  'POOL_CLOSED',
  'POOL_DESTROYED',
  'ABORTED',
]);

export interface RetryOptions {
  /** Extra attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** [0, 1). Default Math.random. */
  random?: () => number;
  /** Default: setTimeout-based, abortable. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait: the error of `attempt` (1-based) and the delay before the next. */
  onRetry?: (error: InfraError, attempt: number, delayMs: number) => void;
  /** Stops waiting between attempts; rejects with ABORTED. */
  signal?: AbortSignal;
}

export function isRetryable(err: unknown): err is InfraError {
  return isInfraError(err) && err.retryable === true && !NEVER_RETRY.has(err.code);
}

/** Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortedError(signal: AbortSignal): InfraError {
  const reason: unknown = signal.reason;
  if (isInfraError(reason)) return reason;
  return new InfraError('ABORTED', 'the operation was aborted', { cause: reason });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const retries = Math.max(0, Math.floor(options.retries));
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortedError(options.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > retries || !isRetryable(err)) throw err;
      const delayMs = backoffDelayMs(attempt, options.baseDelayMs, options.maxDelayMs, random);
      options.onRetry?.(err, attempt, delayMs);
      try {
        await sleep(delayMs, options.signal);
      } catch {
        throw options.signal ? abortedError(options.signal) : err;
      }
    }
  }
}
