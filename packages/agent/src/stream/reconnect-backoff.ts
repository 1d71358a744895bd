/**
 * Reconnect delays: exponential backoff with FULL jitter (AWS architecture
 * blog, "Exponential Backoff And Jitter"): delay = random(0, min(max,
 * base·2^attempt)). Spreads a fleet of agents reconnecting after a hub
 * restart. Failures that retrying soon cannot fix (a refused token, an
 * agent id bound to another site) wait the full max delay instead.
 */

/** The delay before reconnect attempt `attempt` (0 for the first), in ms: an integer in [0, min(max, base·2^attempt)). */
export function fullJitterDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(0, Math.trunc(attempt)), 52);
  const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * capMs), Math.max(0, capMs - 1));
}

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/** Counts attempts since the last success. */
export class ReconnectBackoff {
  readonly #s: BackoffSettings;
  #attempt = 0;

  constructor(settings: BackoffSettings) {
    this.#s = settings;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; `slow` waits the max delay (failures retrying will not fix soon). */
  nextDelayMs(slow: boolean): number {
    const delay = slow ? this.#s.maxDelayMs : fullJitterDelayMs(this.#attempt, this.#s.baseDelayMs, this.#s.maxDelayMs, this.#s.random);
    this.#attempt += 1;
    return delay;
  }

  /** After a successful welcome. */
  reset(): void {
    this.#attempt = 0;
  }
}
