/**
 * The /agent endpoint: its own WebSocketServer (noServer, maxPayload =
 * limits.agentMaxPayloadBytes, no compression), the sessions, the registry
 * of active agents and the heartbeat. The upgrade router calls
 * handleUpgrade() only after the token was accepted.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { BatchIngest } from '../ingest/batch-ingest.js';
import type { Logger } from '../log/logger.js';
import type { AgentPrincipal, EventPublisher } from '../ports.js';
import type { AgentCollectRelay } from '../relay/collect-relay.js';
import type { AgentStatusBoard } from '../status/agent-status-board.js';
import { noteFailure, type HubCounters } from '../status/hub-counters.js';
import type { HubStore } from '../store/hub-store.js';
import type { AgentRegistry } from './agent-registry.js';
import { AgentSession } from './agent-session.js';
import { Heartbeat } from './heartbeat.js';

export interface AgentEndpointOptions {
  maxPayloadBytes: number;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  logger: Logger;
  counters: HubCounters;
  clock: () => number;
  store: HubStore;
  ingest: BatchIngest;
  board: AgentStatusBoard;
  publisher: EventPublisher;
  /** Shared with the relay (its RelayDirectory). */
  registry: AgentRegistry<AgentSession>;
  relay: AgentCollectRelay;
}

export class AgentEndpoint {
  readonly #wss: WebSocketServer;
  readonly #heartbeat: Heartbeat;
  readonly #sessions = new Set<AgentSession>();
  readonly #o: AgentEndpointOptions;

  constructor(options: AgentEndpointOptions) {
    this.#o = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    this.#heartbeat = new Heartbeat(options.pingIntervalMs, () =>
      noteFailure({ logger: options.logger, counters: options.counters }, 'agent_dead_link_terminated', {}, 'an agent missed a pong; connection terminated'),
    );
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, principal: AgentPrincipal): void {
    const o = this.#o;
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new AgentSession(ws, principal, request, {
        helloTimeoutMs: o.helloTimeoutMs,
        maxFrameBytes: o.maxPayloadBytes,
        logger: o.logger,
        counters: o.counters,
        clock: o.clock,
        store: o.store,
        ingest: o.ingest,
        board: o.board,
        registry: o.registry,
        relay: o.relay,
        publisher: o.publisher,
        heartbeat: this.#heartbeat,
      });
      this.#sessions.add(session);
      void session.closed.then(() => this.#sessions.delete(session));
    });
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** Close (AUTH_REVOKED) every agent connection whose principal `keep` refuses. Returns how many. */
  revokeWhere(keep: (principal: AgentPrincipal) => boolean): number {
    let revoked = 0;
    for (const s of [...this.#sessions]) {
      if (keep({ agentId: s.agentId, site: s.site })) continue;
      revoked++;
      s.revoke();
    }
    return revoked;
  }

  /** Close every agent connection with HUB_SHUTTING_DOWN; terminate what has not closed by the deadline. */
  async close(deadlineMs: number): Promise<void> {
    this.#heartbeat.stop();
    const sessions = [...this.#sessions];
    for (const s of sessions) s.shutdown();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([Promise.all(sessions.map((s) => s.closed)), late]);
    clearTimeout(timer);
    for (const s of this.#sessions) s.terminate();
    await Promise.all(sessions.map((s) => s.closed));
    this.#wss.close();
  }
}
