/**
 * Agents, their epochs and the committed high water per (agent, epoch).
 *
 * Epochs never merge: a new epoch (the agent's database was replaced) starts
 * at high water 0 and every epoch ever seen stays listed in `epochs`.
 */
import type Database from 'better-sqlite3';
import { Checker, type ScheduledJobInfo } from '@infrastructor/shared';
import { asRow, int, json, str, strOrNull, type Row } from './row-validate.js';

export interface AgentOutboxStatus {
  outboxRecords: number;
  outboxBytes: number;
  oldestAgeMs: number | null;
  lastSeq: number;
}

export interface AgentRow {
  id: string;
  site: string;
  epoch: string;
  version: string;
  firstSeenMs: number;
  lastSeenMs: number;
  connected: boolean;
  jobs: ScheduledJobInfo[];
  lastStatus: AgentOutboxStatus | null;
}

export type EpochStatus = 'new' | 'known' | 'replaced';

export interface HelloOutcome {
  epochStatus: EpochStatus;
  /** The epoch before this hello when it was replaced, else null. */
  previousEpoch: string | null;
  /** Highest committed seq for (agent, this epoch); 0 when none. */
  hwm: number;
}

export interface HelloInput {
  agentId: string;
  site: string;
  epoch: string;
  version: string;
  jobs: readonly ScheduledJobInfo[];
  nowMs: number;
}

export class AgentRows {
  readonly #getAgent: Database.Statement<[string]>;
  readonly #upsertAgent: Database.Statement<[string, string, string, string, number, number, string]>;
  readonly #insertEpoch: Database.Statement<[string, string, number]>;
  readonly #getHwm: Database.Statement<[string, string]>;
  readonly #setHwm: Database.Statement<[string, string, number, number]>;
  readonly #setStatus: Database.Statement<[string, number, string]>;
  readonly #setDisconnected: Database.Statement<[number, string]>;
  readonly #allDisconnected: Database.Statement<[number]>;
  readonly #list: Database.Statement<[]>;
  readonly #epochs: Database.Statement<[string]>;
  readonly #registerHello: (input: HelloInput) => HelloOutcome;

  constructor(db: Database.Database) {
    this.#getAgent = db.prepare('SELECT * FROM agents WHERE id = ?');
    this.#upsertAgent = db.prepare(
      `INSERT INTO agents (id, site, epoch, version, first_seen_ms, last_seen_ms, connected, jobs_json, last_status_json)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL)
       ON CONFLICT (id) DO UPDATE SET site = excluded.site, epoch = excluded.epoch, version = excluded.version,
         last_seen_ms = excluded.last_seen_ms, connected = 1, jobs_json = excluded.jobs_json,
         last_status_json = CASE WHEN agents.epoch = excluded.epoch THEN agents.last_status_json ELSE NULL END`,
    );
    this.#insertEpoch = db.prepare('INSERT INTO epochs (agent_id, epoch, first_seen_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.#getHwm = db.prepare('SELECT seq FROM high_water WHERE agent_id = ? AND epoch = ?');
    this.#setHwm = db.prepare(
      'INSERT INTO high_water (agent_id, epoch, seq, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, epoch) DO UPDATE SET seq = excluded.seq, updated_at_ms = excluded.updated_at_ms',
    );
    this.#setStatus = db.prepare('UPDATE agents SET last_status_json = ?, last_seen_ms = ? WHERE id = ?');
    this.#setDisconnected = db.prepare('UPDATE agents SET connected = 0, last_seen_ms = ? WHERE id = ?');
    this.#allDisconnected = db.prepare('UPDATE agents SET connected = 0, last_seen_ms = max(last_seen_ms, ?) WHERE connected = 1');
    this.#list = db.prepare('SELECT * FROM agents ORDER BY id');
    this.#epochs = db.prepare('SELECT epoch, first_seen_ms FROM epochs WHERE agent_id = ? ORDER BY first_seen_ms, epoch');

    this.#registerHello = db.transaction((input: HelloInput): HelloOutcome => {
      const before: unknown = this.#getAgent.get(input.agentId);
      const previousEpoch = before === undefined ? null : str(asRow(before, 'agents'), 'epoch', 'agents');
      const epochStatus: EpochStatus = previousEpoch === null ? 'new' : previousEpoch === input.epoch ? 'known' : 'replaced';
      this.#insertEpoch.run(input.agentId, input.epoch, input.nowMs);
      this.#upsertAgent.run(input.agentId, input.site, input.epoch, input.version, input.nowMs, input.nowMs, JSON.stringify(input.jobs));
      return { epochStatus, previousEpoch: epochStatus === 'replaced' ? previousEpoch : null, hwm: this.highWater(input.agentId, input.epoch) };
    });
  }

  /** Record a hello in one transaction: epoch bookkeeping, agent row, the high water to welcome with. */
  registerHello(input: HelloInput): HelloOutcome {
    return this.#registerHello(input);
  }

  highWater(agentId: string, epoch: string): number {
    const row: unknown = this.#getHwm.get(agentId, epoch);
    return row === undefined ? 0 : int(asRow(row, 'high_water'), 'seq', 'high_water');
  }

  /** Only inside the ingest transaction. */
  setHighWater(agentId: string, epoch: string, seq: number, nowMs: number): void {
    this.#setHwm.run(agentId, epoch, seq, nowMs);
  }

  recordStatus(agentId: string, status: AgentOutboxStatus, nowMs: number): void {
    this.#setStatus.run(JSON.stringify(status), nowMs, agentId);
  }

  markDisconnected(agentId: string, nowMs: number): void {
    this.#setDisconnected.run(nowMs, agentId);
  }

  /** At start and at shutdown: nobody is connected. */
  markAllDisconnected(nowMs: number): number {
    return this.#allDisconnected.run(nowMs).changes;
  }

  list(): AgentRow[] {
    return this.#list.all().map((r) => toAgentRow(asRow(r, 'agents')));
  }

  get(agentId: string): AgentRow | undefined {
    const row: unknown = this.#getAgent.get(agentId);
    return row === undefined ? undefined : toAgentRow(asRow(row, 'agents'));
  }

  epochs(agentId: string): { epoch: string; firstSeenMs: number }[] {
    return this.#epochs.all(agentId).map((r) => {
      const row = asRow(r, 'epochs');
      return { epoch: str(row, 'epoch', 'epochs'), firstSeenMs: int(row, 'first_seen_ms', 'epochs') };
    });
  }
}

function toAgentRow(row: Row): AgentRow {
  const c = new Checker('stored agent row', 'INTERNAL');
  const jobs = c.array({ jobs: json(row, 'jobs_json', 'agents') }, 'jobs').map((j) => {
    const o = c.object(j, 'jobs[]');
    return { host: c.string(o, 'host'), command: c.string(o, 'command'), schedule: c.string(o, 'schedule'), intervalMs: c.int(o, 'intervalMs', { min: 0 }) };
  });
  const statusText = strOrNull(row, 'last_status_json', 'agents');
  let lastStatus: AgentOutboxStatus | null = null;
  if (statusText !== null) {
    const o = c.object(json(row, 'last_status_json', 'agents'), 'last_status_json');
    lastStatus = {
      outboxRecords: c.int(o, 'outboxRecords', { min: 0 }),
      outboxBytes: c.int(o, 'outboxBytes', { min: 0 }),
      oldestAgeMs: c.intOrNull(o, 'oldestAgeMs', { min: 0 }),
      lastSeq: c.int(o, 'lastSeq', { min: 0 }),
    };
  }
  return {
    id: str(row, 'id', 'agents'),
    site: str(row, 'site', 'agents'),
    epoch: str(row, 'epoch', 'agents'),
    version: str(row, 'version', 'agents'),
    firstSeenMs: int(row, 'first_seen_ms', 'agents'),
    lastSeenMs: int(row, 'last_seen_ms', 'agents'),
    connected: int(row, 'connected', 'agents') === 1,
    jobs,
    lastStatus,
  };
}
