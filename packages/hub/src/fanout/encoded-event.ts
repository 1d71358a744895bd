/**
 * A numbered hub event together with its MessagePack bytes. The bytes are
 * produced once, when the event is numbered; every frame that carries the
 * event (live `events`, `snapshot`, resume replay) splices these bytes in,
 * so the cost of encoding does not grow with the number of subscribers.
 */
import { encode, type EventKind, type HubEvent } from '@infrastructor/shared';

export interface EncodedEvent {
  readonly seq: number;
  readonly topic: string;
  readonly topicSeq: number;
  readonly kind: EventKind;
  /** Scope: the site the topic belongs to. */
  readonly site: string;
  readonly retain: boolean;
  /** The HubEvent `{seq, topic, topicSeq, kind, timeMs, data}` as plain MessagePack. */
  readonly bytes: Buffer;
}

export type EventEncoder = (event: HubEvent) => Buffer;

/** The default encoder: plain MessagePack through the shared codec. */
export function encodeHubEvent(event: HubEvent): Buffer {
  return encode(event);
}

/** Whether principal sites (['*'] = all) let a subscriber see events of `site`. */
export function siteInScope(sites: readonly string[], site: string): boolean {
  return sites.includes('*') || sites.includes(site);
}
