/**
 * Injected time sources and a minimal logger shape for the collect layer.
 * Nothing here is a singleton: every component takes these via options and
 * falls back to the defaults below (which wrap the Node globals).
 */

export interface Clock {
  /** Milliseconds, monotonic enough for durations. */
  now(): number;
}

export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** pino-compatible subset. */
export interface CollectLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const systemClock: Clock = { now: () => performance.now() };

/** Node timers, unref'd so an idle pool never keeps the process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export const silentLogger: CollectLogger = {
  debug() {},
  info() {},
  warn() {},
};
