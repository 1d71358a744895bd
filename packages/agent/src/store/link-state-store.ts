/**
 * The hub link's state, kept in the `meta` table (key `hubLink`, JSON) so
 * `infra-agent status` — another process — can show the connection. The
 * running link writes it on every change; status only reads it.
 */
import type Database from 'better-sqlite3';
import { InfraError, type ErrorCode } from '@infrastructor/shared';
import { asRow, errorCodeOrNull, int, oneOf, str, type Row } from './row-validate.js';
import { relaxedSync, type RelaxedRunner } from './relaxed-sync.js';

export const LINK_STATE_META_KEY = 'hubLink';

export type HubLinkPhase = 'connecting' | 'connected' | 'disconnected' | 'closed';
export const HUB_LINK_PHASES: readonly HubLinkPhase[] = ['connecting', 'connected', 'disconnected', 'closed'];

export interface HubLinkError {
  code: ErrorCode;
  message: string;
  atMs: number;
}

export interface HubLinkState {
  phase: HubLinkPhase;
  connected: boolean;
  url: string;
  agentId: string;
  /** The highest seq the hub has acknowledged (welcome or ack); null before the first. */
  lastAckSeq: number | null;
  /** When the hub last acknowledged (welcome or ack), wall-clock ms; null before the first (or in a state written by an older agent). */
  lastAckAtMs?: number | null;
  /** The latest failure; kept after the link recovers. */
  lastError: HubLinkError | null;
  /** When the link entered this phase (wall-clock ms). */
  sinceMs: number;
  /** When this state was written (wall-clock ms). */
  updatedAtMs: number;
}

const WHERE = 'meta hubLink';

export class LinkStateStore {
  readonly #upsert: Database.Statement<[string, string]>;
  readonly #select: Database.Statement<[string]>;

  readonly #relaxed: RelaxedRunner;

  constructor(db: Database.Database) {
    this.#upsert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#select = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#relaxed = relaxedSync(db);
  }

  /** Written on every change (each ack too): without waiting for the disk (relaxed-sync.ts), it is informational. */
  write(state: HubLinkState): void {
    this.#relaxed(() => this.#upsert.run(LINK_STATE_META_KEY, JSON.stringify(state)));
  }

  /** The last state written, or null when no link ever ran on this database. */
  read(): HubLinkState | null {
    const raw: unknown = this.#select.get(LINK_STATE_META_KEY);
    if (raw === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(str(asRow(raw, 'meta'), 'value', 'meta'));
    } catch (err) {
      if (err instanceof InfraError) throw err;
      throw new InfraError('INTERNAL', `stored ${WHERE} is not JSON`, { cause: err });
    }
    return parseLinkState(value);
  }
}

function parseLinkState(value: unknown): HubLinkState {
  const row = asRow(value, WHERE);
  const connected = row['connected'];
  if (typeof connected !== 'boolean') throw new InfraError('INTERNAL', `stored ${WHERE} has an invalid connected`);
  return {
    phase: oneOf(row, 'phase', HUB_LINK_PHASES, WHERE),
    connected,
    url: str(row, 'url', WHERE),
    agentId: str(row, 'agentId', WHERE),
    lastAckSeq: row['lastAckSeq'] === null ? null : int(row, 'lastAckSeq', WHERE),
    lastAckAtMs: row['lastAckAtMs'] === undefined || row['lastAckAtMs'] === null ? null : int(row, 'lastAckAtMs', WHERE),
    lastError: row['lastError'] === null ? null : parseLinkError(asRow(row['lastError'], WHERE)),
    sinceMs: int(row, 'sinceMs', WHERE),
    updatedAtMs: int(row, 'updatedAtMs', WHERE),
  };
}

function parseLinkError(row: Row): HubLinkError {
  const code = errorCodeOrNull(row, 'code', WHERE);
  if (code === null) throw new InfraError('INTERNAL', `stored ${WHERE} has an error without a code`);
  return { code, message: str(row, 'message', WHERE), atMs: int(row, 'atMs', WHERE) };
}
