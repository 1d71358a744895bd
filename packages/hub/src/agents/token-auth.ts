/**
 * Bearer tokens → principals. Only SHA-256 digests are kept; a presented
 * token is hashed and compared against EVERY configured digest with
 * crypto.timingSafeEqual (equal-length buffers, no early exit), so neither
 * the content nor the position of a match leaks through timing. Tokens are
 * never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AgentEntry, SubscriberEntry } from '../config/hub-config.js';
import { tokenSha256 } from '../config/token-digest.js';
import type { AgentPrincipal, SubscriberPrincipal } from '../ports.js';

interface Keyed<T> {
  digest: Buffer;
  principal: T;
}

export interface PrincipalsConfig {
  agents: readonly AgentEntry[];
  subscribers: readonly SubscriberEntry[];
}

export class TokenAuthenticator {
  #agents: Keyed<AgentPrincipal>[] = [];
  #subscribers: Keyed<SubscriberPrincipal>[] = [];

  constructor(config: PrincipalsConfig) {
    this.update(config);
  }

  /** Replace every token (a reloaded configuration); connections made from now on are checked against these. */
  update(config: PrincipalsConfig): void {
    this.#agents = config.agents.map((a) => ({ digest: Buffer.from(a.tokenSha256, 'hex'), principal: Object.freeze({ agentId: a.id, site: a.site }) }));
    this.#subscribers = config.subscribers.map((s) => ({
      digest: Buffer.from(s.tokenSha256, 'hex'),
      principal: Object.freeze({ name: s.name, role: s.role, sites: Object.freeze([...s.sites]) }),
    }));
  }

  agent(token: string | undefined): AgentPrincipal | undefined {
    return find(this.#agents, token);
  }

  subscriber(token: string | undefined): SubscriberPrincipal | undefined {
    return find(this.#subscribers, token);
  }
}

function find<T>(entries: readonly Keyed<T>[], token: string | undefined): T | undefined {
  if (token === undefined || token === '') return undefined;
  const presented = Buffer.from(tokenSha256(token), 'hex');
  let match: T | undefined;
  for (const e of entries) {
    if (timingSafeEqual(presented, e.digest) && match === undefined) match = e.principal;
  }
  return match;
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
