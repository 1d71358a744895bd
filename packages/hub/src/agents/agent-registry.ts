/**
 * The active (post-hello) connection per agent id. A second connection of
 * the same agent replaces the first: attach() returns the one it replaced.
 */
import type { RelayDirectory, RelayTarget } from '../relay/relay-target.js';

export interface RegisteredSession extends RelayTarget {
  readonly agentId: string;
}

export class AgentRegistry<S extends RegisteredSession = RegisteredSession> implements RelayDirectory {
  readonly #byId = new Map<string, S>();

  attach(session: S): S | undefined {
    const previous = this.#byId.get(session.agentId);
    this.#byId.set(session.agentId, session);
    return previous === session ? undefined : previous;
  }

  /** Remove only if it is still the current one; true when it was. */
  detach(session: S): boolean {
    if (this.#byId.get(session.agentId) !== session) return false;
    this.#byId.delete(session.agentId);
    return true;
  }

  isCurrent(session: S): boolean {
    return this.#byId.get(session.agentId) === session;
  }

  connected(site: string): RelayTarget[] {
    return [...this.#byId.values()].filter((s) => s.site === site);
  }

  all(): S[] {
    return [...this.#byId.values()];
  }

  get size(): number {
    return this.#byId.size;
  }
}
