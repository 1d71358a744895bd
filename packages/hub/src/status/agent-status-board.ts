/**
 * The live status of every agent the hub knows: connected, epoch, high
 * water, outbox backlog, replay lag, stale jobs. Every change worth telling
 * is published as an `agent` event (retained, topic agents/<site>/<agentId>)
 * and persisted in `latest`, so it survives a restart. Also the source of
 * the agents list on GET /status.
 */
import { agentTopic, compareText, resultTopic, type ScheduledJobInfo } from '@infrastructor/shared';
import type { EventPublisher, HubEventInput } from '../ports.js';
import type { AgentOutboxStatus, EpochStatus } from '../store/agent-rows.js';
import type { HubStore } from '../store/hub-store.js';
import { agentIsStale, staleJobs, staleKey, type StaleJob } from './staleness.js';

/** The `data` of an agent event, and one entry of /status agents. */
export interface AgentStatusData {
  agentId: string;
  site: string;
  connected: boolean;
  version: string;
  epoch: string;
  epochStatus: EpochStatus | null;
  previousEpoch: string | null;
  lastSeenMs: number;
  /** Highest seq committed at the hub for this epoch. */
  hwm: number;
  /** The agent's highest outbox seq, from its hello or latest status. */
  agentLastSeq: number | null;
  /** agentLastSeq − hwm: records the agent has that the hub has not committed. */
  replayLag: number | null;
  outboxRecords: number | null;
  outboxBytes: number | null;
  oldestAgeMs: number | null;
  stale: StaleJob[];
  /** Disconnected for longer than its stale threshold. */
  agentStale: boolean;
}

interface Live {
  agentId: string;
  site: string;
  connected: boolean;
  version: string;
  epoch: string;
  epochStatus: EpochStatus | null;
  previousEpoch: string | null;
  lastSeenMs: number;
  hwm: number;
  agentLastSeq: number | null;
  outbox: Omit<AgentOutboxStatus, 'lastSeq'> | null;
  jobs: readonly ScheduledJobInfo[];
  announcedAtMs: number;
  lastCollected: Map<string, number>;
  staleKey: string;
}

export interface AgentStatusBoardOptions {
  store: HubStore;
  publisher: EventPublisher;
  clock: () => number;
  staleGraceMs: number;
}

export interface ConnectedInfo {
  agentId: string;
  site: string;
  epoch: string;
  version: string;
  jobs: readonly ScheduledJobInfo[];
  hwm: number;
  epochStatus: EpochStatus;
  previousEpoch: string | null;
  agentLastSeq: number;
}

const jobKey = (host: string, command: string): string => `${host}\u0000${command}`;

export class AgentStatusBoard {
  readonly #agents = new Map<string, Live>();
  readonly #o: AgentStatusBoardOptions;

  constructor(options: AgentStatusBoardOptions) {
    this.#o = options;
  }

  /** Seed from the database (at start everyone is disconnected). Publishes nothing. */
  load(): void {
    const { store } = this.#o;
    for (const row of store.agents.list()) {
      const live: Live = {
        agentId: row.id,
        site: row.site,
        connected: row.connected,
        version: row.version,
        epoch: row.epoch,
        epochStatus: null,
        previousEpoch: null,
        lastSeenMs: row.lastSeenMs,
        hwm: store.agents.highWater(row.id, row.epoch),
        agentLastSeq: row.lastStatus?.lastSeq ?? null,
        outbox: row.lastStatus,
        jobs: row.jobs,
        announcedAtMs: row.lastSeenMs,
        lastCollected: this.#seedCollected(row.site, row.jobs),
        staleKey: '',
      };
      live.staleKey = this.#staleKeyOf(live, this.#o.clock());
      this.#agents.set(row.id, live);
    }
  }

  connected(info: ConnectedInfo): void {
    const now = this.#o.clock();
    const before = this.#agents.get(info.agentId);
    const live: Live = {
      agentId: info.agentId,
      site: info.site,
      connected: true,
      version: info.version,
      epoch: info.epoch,
      epochStatus: info.epochStatus,
      previousEpoch: info.previousEpoch,
      lastSeenMs: now,
      hwm: info.hwm,
      agentLastSeq: info.agentLastSeq,
      outbox: before !== undefined && before.epoch === info.epoch ? before.outbox : null,
      jobs: info.jobs,
      announcedAtMs: now,
      lastCollected: this.#seedCollected(info.site, info.jobs),
      staleKey: '',
    };
    live.staleKey = this.#staleKeyOf(live, now);
    this.#agents.set(info.agentId, live);
    this.publish(info.agentId);
  }

  /** A status frame: persisted, published. */
  status(agentId: string, s: AgentOutboxStatus): void {
    const live = this.#agents.get(agentId);
    if (live === undefined) return;
    const now = this.#o.clock();
    live.lastSeenMs = now;
    live.outbox = { outboxRecords: s.outboxRecords, outboxBytes: s.outboxBytes, oldestAgeMs: s.oldestAgeMs };
    live.agentLastSeq = s.lastSeq;
    this.#o.store.agents.recordStatus(agentId, s, now);
    this.publish(agentId);
  }

  /** After a committed batch: the new high water and result times (published with the next status). */
  committed(agentId: string, hwm: number, collected: readonly { host: string; command: string; atMs: number }[]): void {
    const live = this.#agents.get(agentId);
    if (live === undefined) return;
    live.hwm = hwm;
    live.lastSeenMs = this.#o.clock();
    if (live.agentLastSeq !== null && hwm > live.agentLastSeq) live.agentLastSeq = hwm;
    for (const c of collected) {
      const k = jobKey(c.host, c.command);
      if ((live.lastCollected.get(k) ?? -Infinity) < c.atMs) live.lastCollected.set(k, c.atMs);
    }
  }

  seen(agentId: string): void {
    const live = this.#agents.get(agentId);
    if (live !== undefined) live.lastSeenMs = this.#o.clock();
  }

  disconnected(agentId: string): void {
    const live = this.#agents.get(agentId);
    if (live === undefined) return;
    const now = this.#o.clock();
    live.connected = false;
    live.lastSeenMs = now;
    this.#o.store.agents.markDisconnected(agentId, now);
    this.publish(agentId);
  }

  /** Recompute stale sets; publish the agents whose set changed. Returns how many were published. */
  reevaluate(): number {
    const now = this.#o.clock();
    let published = 0;
    for (const live of this.#agents.values()) {
      const key = this.#staleKeyOf(live, now);
      if (key !== live.staleKey) {
        this.publish(live.agentId);
        published += 1;
      }
    }
    return published;
  }

  /** Build, persist (retained) and publish the agent's status event. */
  publish(agentId: string): void {
    const live = this.#agents.get(agentId);
    if (live === undefined) return;
    this.#o.publisher.publish([this.#persist(live)]);
  }

  /**
   * Rewrite every agent's retained status without publishing: at start,
   * before the subscriber side loads the retained state, so nobody shows as
   * connected from the previous run.
   */
  persistAll(): void {
    for (const live of this.#agents.values()) this.#persist(live);
  }

  #persist(live: Live): HubEventInput {
    const now = this.#o.clock();
    const data = this.#data(live, now);
    live.staleKey = staleKey(data.stale, data.agentStale);
    const topic = agentTopic(live.site, live.agentId);
    this.#o.store.retained.putAgent(topic, live.site, now, data);
    return { kind: 'agent', topic, site: live.site, timeMs: now, data, retain: true };
  }

  get(agentId: string): AgentStatusData | undefined {
    const live = this.#agents.get(agentId);
    return live === undefined ? undefined : this.#data(live, this.#o.clock());
  }

  list(): AgentStatusData[] {
    const now = this.#o.clock();
    return [...this.#agents.values()].sort((a, b) => compareText(a.agentId, b.agentId)).map((l) => this.#data(l, now));
  }

  #data(live: Live, now: number): AgentStatusData {
    const stale = staleJobs({
      jobs: live.jobs,
      lastCollectedAtMs: (h, c) => live.lastCollected.get(jobKey(h, c)) ?? null,
      announcedAtMs: live.announcedAtMs,
      nowMs: now,
      graceMs: this.#o.staleGraceMs,
    });
    return {
      agentId: live.agentId,
      site: live.site,
      connected: live.connected,
      version: live.version,
      epoch: live.epoch,
      epochStatus: live.epochStatus,
      previousEpoch: live.previousEpoch,
      lastSeenMs: live.lastSeenMs,
      hwm: live.hwm,
      agentLastSeq: live.agentLastSeq,
      replayLag: live.agentLastSeq === null ? null : Math.max(0, live.agentLastSeq - live.hwm),
      outboxRecords: live.outbox?.outboxRecords ?? null,
      outboxBytes: live.outbox?.outboxBytes ?? null,
      oldestAgeMs: live.outbox?.oldestAgeMs ?? null,
      stale,
      agentStale: agentIsStale({ connected: live.connected, lastSeenMs: live.lastSeenMs, jobs: live.jobs, nowMs: now, graceMs: this.#o.staleGraceMs }),
    };
  }

  #staleKeyOf(live: Live, now: number): string {
    const d = this.#data(live, now);
    return staleKey(d.stale, d.agentStale);
  }

  #seedCollected(site: string, jobs: readonly ScheduledJobInfo[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const job of jobs) {
      const t = this.#o.store.retained.resultTimeMs(resultTopic(site, job.host, job.command));
      if (t !== null) out.set(jobKey(job.host, job.command), t);
    }
    return out;
  }
}
