/** Reconnect delays for `infra-hub watch`: doubling, capped, with jitter (half fixed, half random). */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_WATCH_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

export function reconnectDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
