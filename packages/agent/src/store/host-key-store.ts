/**
 * Pinned SSH host keys for trust-on-first-use, in the agent database.
 * `HostKeyStore` repeats the interface of collect/host-key-verifier.ts
 * structurally (the two are reconciled by whoever wires them).
 */
import type Database from 'better-sqlite3';
import type { Clock } from './store-types.js';
import { asRow, int, str } from './row-validate.js';

export interface PinnedHostKey {
  fingerprint: string;
  pinnedAtMs: number;
}

export interface HostKeyStore {
  get(hostName: string): PinnedHostKey | undefined;
  pin(hostName: string, fingerprint: string): void;
}

export class SqliteHostKeyStore implements HostKeyStore {
  readonly #clock: Clock;
  readonly #get: Database.Statement;
  readonly #pin: Database.Statement;
  readonly #unpin: Database.Statement;

  constructor(db: Database.Database, clock: Clock) {
    this.#clock = clock;
    this.#get = db.prepare('SELECT fingerprint, pinned_at_ms FROM host_keys WHERE host_name = ?');
    this.#pin = db.prepare(
      `INSERT INTO host_keys (host_name, fingerprint, pinned_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (host_name) DO UPDATE SET fingerprint = excluded.fingerprint, pinned_at_ms = excluded.pinned_at_ms`,
    );
    this.#unpin = db.prepare('DELETE FROM host_keys WHERE host_name = ?');
  }

  get(hostName: string): PinnedHostKey | undefined {
    const raw: unknown = this.#get.get(hostName);
    if (raw === undefined) return undefined;
    const row = asRow(raw, 'host_keys');
    return { fingerprint: str(row, 'fingerprint', 'host_keys'), pinnedAtMs: int(row, 'pinned_at_ms', 'host_keys') };
  }

  /**
   * Pin (or re-pin) a host's key. Deciding whether a different key may
   * replace a pinned one is the verifier's job, not the store's.
   */
  pin(hostName: string, fingerprint: string): void {
    this.#pin.run(hostName, fingerprint, Math.round(this.#clock()));
  }

  /** Forget a pinned key (an operator re-keyed the host). Returns whether one was pinned. */
  unpin(hostName: string): boolean {
    return this.#unpin.run(hostName).changes > 0;
  }
}
