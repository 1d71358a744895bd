/**
 * The retained state (`latest`): the newest result per site/host/command
 * topic and the latest status per agent topic, as plain MessagePack. Loaded
 * into the subscriber side's memory at start (RetainedEventSource).
 */
import type Database from 'better-sqlite3';
import { decode, encode } from '@infrastructor/shared';
import type { HubEventInput, RetainedEventSource } from '../ports.js';
import { asRow, blob, int, oneOf, str } from './row-validate.js';

export class RetainedStore implements RetainedEventSource {
  readonly #upsertResult: Database.Statement<[string, string, number, Uint8Array]>;
  readonly #putAgent: Database.Statement<[string, string, number, Buffer]>;
  readonly #all: Database.Statement<[]>;
  readonly #time: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    // A result replaces the stored one only when it is not older.
    this.#upsertResult = db.prepare(
      `INSERT INTO latest (topic, site, kind, time_ms, data) VALUES (?, ?, 'result', ?, ?)
       ON CONFLICT (topic) DO UPDATE SET site = excluded.site, kind = excluded.kind, time_ms = excluded.time_ms, data = excluded.data
       WHERE excluded.time_ms >= latest.time_ms`,
    );
    this.#putAgent = db.prepare(
      `INSERT INTO latest (topic, site, kind, time_ms, data) VALUES (?, ?, 'agent', ?, ?)
       ON CONFLICT (topic) DO UPDATE SET site = excluded.site, kind = excluded.kind, time_ms = excluded.time_ms, data = excluded.data`,
    );
    this.#all = db.prepare('SELECT topic, site, kind, time_ms, data FROM latest ORDER BY topic');
    this.#time = db.prepare("SELECT time_ms FROM latest WHERE topic = ? AND kind = 'result'");
  }

  /**
   * `data`: the event data as plain MessagePack (already encoded by the
   * caller: the same bytes go to subscribers). True when stored (newer than
   * or as new as what was there).
   */
  upsertResult(topic: string, site: string, timeMs: number, data: Uint8Array): boolean {
    return this.#upsertResult.run(topic, site, Math.round(timeMs), data).changes === 1;
  }

  putAgent(topic: string, site: string, timeMs: number, data: unknown): void {
    this.#putAgent.run(topic, site, Math.round(timeMs), encode(data));
  }

  resultTimeMs(topic: string): number | null {
    const row: unknown = this.#time.get(topic);
    return row === undefined ? null : int(asRow(row, 'latest'), 'time_ms', 'latest');
  }

  loadRetained(): HubEventInput[] {
    return this.#all.all().map((r) => {
      const row = asRow(r, 'latest');
      return {
        kind: oneOf(row, 'kind', ['result', 'agent'] as const, 'latest'),
        topic: str(row, 'topic', 'latest'),
        site: str(row, 'site', 'latest'),
        timeMs: int(row, 'time_ms', 'latest'),
        data: decode(blob(row, 'data', 'latest')),
        retain: true,
      };
    });
  }
}
