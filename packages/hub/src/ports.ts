/**
 * The seams inside the hub, so the agent side (agents/, ingest/, store/)
 * and the subscriber side (state/, fanout/, subscribers/) can be built and
 * tested apart. main.ts wires them.
 *
 *   agent frames → ingest (apply in seq order, commit) → EventPublisher.publish
 *   → state (latest per topic, in memory) → fan-out → subscribers
 *   subscriber collect → CollectRelay → agent session → agent → answer back
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { EventKind, Role, WireCollectResult, WireError } from '@infrastructor/shared';

/** An update before the subscriber side numbers it (seq, topicSeq). */
export interface HubEventInput {
  kind: EventKind;
  topic: string;
  /** The site the topic belongs to (subscriber scope check). */
  site: string;
  timeMs: number;
  data: unknown;
  /**
   * `data` as plain MessagePack when it is already encoded (a result's data
   * on its way from the agent: stored in `latest` and sent with these bytes).
   */
  encodedData?: Uint8Array;
  /** Kept as the latest state of its topic (results, agent status) and sent in snapshots. */
  retain: boolean;
}

export interface EventPublisher {
  /** Called after the records behind these events are committed. Order is kept. */
  publish(events: readonly HubEventInput[]): void;
}

/** Retained events persisted by the hub store, loaded into memory at start. */
export interface RetainedEventSource {
  loadRetained(): HubEventInput[];
}

export interface SubscriberPrincipal {
  name: string;
  role: Role;
  /** Sites this token may see; ['*'] means all. */
  sites: readonly string[];
}

export interface AgentPrincipal {
  agentId: string;
  site: string;
}

export interface CollectRelayRequest {
  requestId: string;
  site: string;
  host: string;
  command: string;
  params: Record<string, string | number | string[]>;
  forceRefresh: boolean;
  timeoutMs: number;
  principal: SubscriberPrincipal;
  correlationId: string;
}

export type CollectRelayAnswer = { ok: true; result: WireCollectResult & { site: string } } | { ok: false; error: WireError };

export interface CollectRelay {
  /** Never rejects: failures come back as { ok: false, error } with a code. */
  collect(request: CollectRelayRequest): Promise<CollectRelayAnswer>;
}

/**
 * The subscriber endpoint (/subscribe). The HTTP upgrade is authenticated by
 * the agent side's upgrade router BEFORE the WebSocket is accepted; the
 * gateway receives an open socket and the principal its token resolved to.
 * The socket came from a WebSocketServer with maxPayload =
 * limits.subscriberMaxPayloadBytes. The gateway owns the socket from then on
 * (hello, subscriptions, pings, closing it).
 */
export interface SubscriberGateway {
  accept(ws: WebSocket, principal: SubscriberPrincipal, request: IncomingMessage): void;
  /** Close (AUTH_REVOKED) every subscriber whose principal `keep` refuses (a reloaded configuration). Returns how many. */
  revokeWhere(keep: (principal: SubscriberPrincipal) => boolean): number;
  /** Close every subscriber socket (code HUB_SHUTTING_DOWN) and stop. Safe to call twice. */
  close(): Promise<void>;
  /** Counts for GET /status (connections, subscriptions, slow consumers, …). JSON-serialisable. */
  stats(): Record<string, unknown>;
}
