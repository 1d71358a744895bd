/** The body of GET /status (JSON; never tokens). */
import type { AgentStatusBoard, AgentStatusData } from './agent-status-board.js';
import { siteInScope } from '../fanout/encoded-event.js';
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

/** The report; `sites` (default all) limits the agents listed to those sites. */
export function buildStatusReport(s: StatusSources, sites: readonly string[] = ['*']): StatusReport {
  return {
    ok: true,
    nowMs: s.clock(),
    startedAtMs: s.startedAtMs,
    agents: s.board.list().filter((a) => siteInScope(sites, a.site)),
    agentConnections: s.agentConnections(),
    counters: s.counters.snapshot(),
    relay: s.relay(),
    subscribers: s.subscribers(),
  };
}
