import { LRUCache } from 'lru-cache';

/**
 * Freshness cache for parsed results: LRU with a per-entry TTL (the
 * command's freshness). A cached empty list, 0 or false is a hit like any
 * other value; TTL 0 means "never cache".
 */
export interface CachedResult {
  data: unknown;
  collectedAtMs: number;
  bytes: number;
}

export interface ResultCacheOptions {
  maxEntries: number;
  /** Monotonic-ish milliseconds; injected for tests. */
  now: () => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  size: number;
}

export class ResultCache {
  readonly #lru: LRUCache<string, CachedResult>;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;

  constructor(options: ResultCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#lru = new LRUCache<string, CachedResult>({
      max: options.maxEntries,
      // Check age on every read against the injected clock.
      ttlResolution: 0,
      perf: { now: options.now },
      allowStale: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions += 1;
        else if (reason === 'expire') this.#expirations += 1;
      },
    });
  }

  /** The fresh entry, or undefined (counted as a miss). */
  get(key: string): CachedResult | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined) this.#misses += 1;
    else this.#hits += 1;
    return entry;
  }

  /** Store for ttlMs; ttlMs <= 0 stores nothing (and drops an older entry). */
  set(key: string, entry: CachedResult, ttlMs: number): void {
    if (ttlMs <= 0) {
      this.#lru.delete(key);
      return;
    }
    this.#lru.set(key, entry, { ttl: ttlMs });
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      size: this.#lru.size,
    };
  }
}
