/**
 * The bytes of a record's event data — `{agentId, site, ...the record}` —
 * without encoding again what the agent encoded. When the payload holds
 * exactly the fields the hub validated (each once, none unknown, none
 * missing), its own bytes follow `agentId` and `site`
 * (prependMapEntries); validation never changes a value, so subscribers
 * decode the same event either way. Anything else gives undefined: the
 * caller encodes the validated entry, so a field the hub does not know never
 * reaches subscribers.
 */
import { mapHeader, prependMapEntries } from '@infrastructor/shared';
import type { AgentRef } from './record-events.js';

const hasOwn = Object.prototype.hasOwnProperty;

export function eventDataBytes(ref: AgentRef, payload: Uint8Array, decoded: unknown, validated: object): Buffer | undefined {
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const header = mapHeader(payload);
  if (header === undefined) return undefined;
  const keys = Object.keys(decoded);
  // A key sent twice decodes once: the counts then differ.
  if (keys.length !== header.count || Object.keys(validated).length !== header.count) return undefined;
  for (const k of keys) if (!hasOwn.call(validated, k)) return undefined;
  return prependMapEntries({ agentId: ref.agentId, site: ref.site }, payload);
}
