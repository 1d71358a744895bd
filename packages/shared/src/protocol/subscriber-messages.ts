/**
 * Messages between a subscriber and the hub (endpoint /subscribe).
 */
import { InfraError, type ErrorCode } from '../errors.js';
import { Checker } from '../validate.js';
import { NAME_PATTERN, PROTOCOL_VERSION } from './constants.js';
import { checkProtocolVersion, MAX_REQUEST_TIMEOUT_MS, parseCollectResultBody, REQUEST_ID_PATTERN, type WireCollectResult, type WireError, type ErrorMessage } from './agent-messages.js';
import { MAX_PATTERN_LENGTH } from './topics.js';

export type Role = 'viewer' | 'operator';
export const ROLES: readonly Role[] = ['viewer', 'operator'];
export const MAX_TOPICS_PER_MESSAGE = 256;

// ---- subscriber → hub ----

export interface SubscriberHello {
  t: 'hello';
  protocol: number;
  /** Free text for logs, e.g. "infra-hub watch". */
  client: string;
}

export interface SubscribeMessage {
  t: 'subscribe';
  topics: string[];
  /** true: the new list replaces every current subscription. */
  replace: boolean;
  /**
   * Reconnecting: the last event seq seen under that hub epoch. The hub
   * replays what matched since, or sends a fresh snapshot when that is no
   * longer in its buffer (or the epoch differs).
   */
  resume?: { hubEpoch: string; afterSeq: number };
}

export interface UnsubscribeMessage {
  t: 'unsubscribe';
  topics: string[];
}

export interface CollectRequestMessage {
  t: 'collect';
  requestId: string;
  site: string;
  host: string;
  command: string;
  params: Record<string, string | number | string[]>;
  forceRefresh: boolean;
  timeoutMs: number;
}

export type SubscriberMessage = SubscriberHello | SubscribeMessage | UnsubscribeMessage | CollectRequestMessage;

// ---- hub → subscriber ----

export interface SubscriberWelcome {
  t: 'welcome';
  protocol: number;
  hubEpoch: string;
  role: Role;
  /** Sites this token may see; ['*'] for all. */
  sites: string[];
}

export type EventKind = 'result' | 'audit' | 'change' | 'agent' | 'gap';
export const EVENT_KINDS: readonly EventKind[] = ['result', 'audit', 'change', 'agent', 'gap'];

export interface HubEvent {
  /** Hub-wide, increasing within a hub epoch. */
  seq: number;
  topic: string;
  /** Increasing per topic within a hub epoch. */
  topicSeq: number;
  kind: EventKind;
  timeMs: number;
  data: unknown;
}

export interface SnapshotMessage {
  t: 'snapshot';
  hubEpoch: string;
  /** The state includes every event with seq ≤ this; live events follow from seq+1. */
  seq: number;
  /** Latest event per matching topic (results, agent status). */
  entries: HubEvent[];
}

export interface EventsMessage {
  t: 'events';
  events: HubEvent[];
}

export type SubscriberCollectResult =
  | { t: 'collect_result'; requestId: string; ok: true; result: WireCollectResult & { site: string } }
  | { t: 'collect_result'; requestId: string; ok: false; error: WireError };

export type HubToSubscriberMessage = SubscriberWelcome | SnapshotMessage | EventsMessage | SubscriberCollectResult | ErrorMessage;

// ---- validation ----

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function parseSubscriberMessage(value: unknown): SubscriberMessage {
  const c = new Checker('subscriber frame');
  const o = c.object(value, 'frame');
  const t = o['t'];
  if (typeof t !== 'string') throw c.fail('t', 'a message type string', t);
  const topics = (): string[] => c.stringArray(o, 'topics', { maxItems: MAX_TOPICS_PER_MESSAGE, maxLength: MAX_PATTERN_LENGTH });
  switch (t) {
    case 'hello': {
      const protocol = c.int(o, 'protocol');
      checkProtocolVersion(protocol, 'subscriber hello');
      return { t, protocol, client: c.optionalString(o, 'client', { maxLength: 128 }) ?? '' };
    }
    case 'subscribe': {
      const msg: SubscribeMessage = { t, topics: topics(), replace: o['replace'] === undefined ? false : c.boolean(o, 'replace') };
      if (o['resume'] !== undefined) {
        const r = c.object(o['resume'], 'resume');
        msg.resume = { hubEpoch: c.string(r, 'hubEpoch', { maxLength: 64 }), afterSeq: c.int(r, 'afterSeq', { min: 0 }) };
      }
      return msg;
    }
    case 'unsubscribe':
      return { t, topics: topics() };
    case 'collect':
      return {
        t,
        requestId: c.string(o, 'requestId', { pattern: REQUEST_ID_PATTERN }),
        site: c.string(o, 'site', { pattern: NAME_PATTERN }),
        host: c.string(o, 'host', { pattern: NAME_PATTERN }),
        command: c.string(o, 'command', { pattern: NAME_PATTERN }),
        params: o['params'] === undefined ? {} : c.params(o, 'params'),
        forceRefresh: o['forceRefresh'] === undefined ? false : c.boolean(o, 'forceRefresh'),
        timeoutMs: o['timeoutMs'] === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : c.int(o, 'timeoutMs', { min: 1, max: MAX_REQUEST_TIMEOUT_MS }),
      };
    default:
      throw new InfraError('MESSAGE_UNKNOWN', `subscriber frame: unknown message type ${JSON.stringify(t.slice(0, 64))}`);
  }
}

/** Validate what the hub sends (used by `infra-hub watch` / `request`). */
export function parseHubToSubscriberMessage(value: unknown): HubToSubscriberMessage {
  const c = new Checker('hub frame');
  const o = c.object(value, 'frame');
  const t = o['t'];
  const event = (v: unknown): HubEvent => {
    const e = c.object(v, 'event');
    return {
      seq: c.int(e, 'seq', { min: 0 }),
      topic: c.string(e, 'topic', { maxLength: 1024 }),
      topicSeq: c.int(e, 'topicSeq', { min: 0 }),
      kind: c.oneOf(e, 'kind', EVENT_KINDS),
      timeMs: c.number(e, 'timeMs'),
      data: e['data'],
    };
  };
  switch (t) {
    case 'welcome': {
      const protocol = c.int(o, 'protocol');
      checkProtocolVersion(protocol, 'hub welcome');
      return { t, protocol, hubEpoch: c.string(o, 'hubEpoch', { maxLength: 64 }), role: c.oneOf(o, 'role', ROLES), sites: c.stringArray(o, 'sites') };
    }
    case 'snapshot':
      return { t, hubEpoch: c.string(o, 'hubEpoch', { maxLength: 64 }), seq: c.int(o, 'seq', { min: 0 }), entries: c.array(o, 'entries').map(event) };
    case 'events':
      return { t, events: c.array(o, 'events').map(event) };
    case 'collect_result': {
      const requestId = c.string(o, 'requestId', { pattern: REQUEST_ID_PATTERN });
      if (c.boolean(o, 'ok')) {
        const r = c.object(o['result'], 'result');
        return { t, requestId, ok: true, result: { ...parseCollectResultBody(c, r), site: c.string(r, 'site', { pattern: NAME_PATTERN }) } };
      }
      const e = c.object(o['error'], 'error');
      return { t, requestId, ok: false, error: { code: c.errorCode(e, 'code'), message: c.string(e, 'message', { maxLength: 4096 }) } };
    }
    case 'error':
      return { t, code: c.errorCode(o, 'code') as ErrorCode, message: c.string(o, 'message', { maxLength: 4096 }) };
    default:
      throw new InfraError('MESSAGE_UNKNOWN', `hub frame: unknown message type ${JSON.stringify(String(t).slice(0, 64))}`);
  }
}

export { PROTOCOL_VERSION };
