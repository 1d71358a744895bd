/** The body of GET /status (JSON; never tokens). */
import type { AgentStatusBoard, AgentStatusData } from './agent-status-board.js';
import type { HubCounters } from './hub-counters.js';

export interface StatusSources {
  board: AgentStatusBoard;
  counters: HubCounters;
  startedAtMs: number;
  clock: () => number;
  agentConnections: () => number;
  relay: () => Record<string, unknown>;
  subscribers: () => Record<string, unknown> | null;
}

export interface StatusReport {
  ok: true;
  nowMs: number;
  startedAtMs: number;
  agents: AgentStatusData[];
  agentConnections: number;
  counters: Record<string, number | Record<string, number>>;
  relay: Record<string, unknown>;
  subscribers: Record<string, unknown> | null;
}

export function buildStatusReport(s: StatusSources): StatusReport {
  return {
    ok: true,
    nowMs: s.clock(),
    startedAtMs: s.startedAtMs,
    agents: s.board.list(),
    agentConnections: s.agentConnections(),
    counters: s.counters.snapshot(),
    relay: s.relay(),
    subscribers: s.subscribers(),
  };
}
