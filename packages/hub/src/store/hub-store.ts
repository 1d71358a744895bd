/**
 * The hub's database, opened once and shared by the agent side:
 * agents/epochs/high water, the retained state, received records, retention.
 */
import type Database from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { AgentRows } from './agent-rows.js';
import { openHubDatabase } from './database.js';
import { RecordWrites } from './record-writes.js';
import { RetainedStore } from './retained-store.js';
import { Retention } from './retention.js';

export interface HubStore {
  readonly path: string;
  readonly db: Database.Database;
  readonly agents: AgentRows;
  readonly retained: RetainedStore;
  readonly records: RecordWrites;
  readonly retention: Retention;
  /** Safe to call twice. */
  close(): void;
}

export function openHubStore(options: { path: string; synchronous: 'FULL' | 'NORMAL'; logger: Logger; nowMs: number }): HubStore {
  const db = openHubDatabase(options);
  let closed = false;
  return {
    path: options.path,
    db,
    agents: new AgentRows(db),
    retained: new RetainedStore(db),
    records: new RecordWrites(db),
    retention: new Retention(db),
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
