/**
 * (principal name, requestId) → the first answer (or the in-flight one),
 * for requestDedupeTtlMs. A repeated request is answered from here and never
 * sent to an agent again. Reusing a requestId for a different request is
 * refused (REQUEST_INVALID) rather than answered with another result.
 */
import { LRUCache } from 'lru-cache';
import type { CollectRelayAnswer, CollectRelayRequest } from '../ports.js';

const MAX_ENTRIES = 100_000;

interface Entry {
  fingerprint: string;
  answer: Promise<CollectRelayAnswer>;
}

export class RequestDedupe {
  readonly #cache: LRUCache<string, Entry>;

  constructor(ttlMs: number) {
    this.#cache = new LRUCache<string, Entry>({ max: MAX_ENTRIES, ttl: ttlMs });
  }

  static key(req: CollectRelayRequest): string {
    return JSON.stringify([req.principal.name, req.requestId]);
  }

  static fingerprint(req: CollectRelayRequest): string {
    const params = Object.keys(req.params)
      .sort()
      .map((k) => [k, req.params[k]]);
    return JSON.stringify([req.site, req.host, req.command, params, req.forceRefresh]);
  }

  /** The earlier entry for this request id, if any. */
  get(req: CollectRelayRequest): Entry | undefined {
    return this.#cache.get(RequestDedupe.key(req));
  }

  remember(req: CollectRelayRequest, answer: Promise<CollectRelayAnswer>): void {
    this.#cache.set(RequestDedupe.key(req), { fingerprint: RequestDedupe.fingerprint(req), answer });
  }

  get size(): number {
    return this.#cache.size;
  }

  clear(): void {
    this.#cache.clear();
  }
}
