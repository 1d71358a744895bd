import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgentStore, type AgentStore, type AgentStoreOptions } from '../../src/store/agent-store.js';
import type { StoreLogger } from '../../src/store/store-types.js';
import { recordBuilders } from '../../../shared/test/support/record-builders.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function memoryLogger(): StoreLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export function manualClock(startMs = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** A fresh temp folder per call; `cleanup` removes every folder made. */
export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'infra-store-'));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function storageOptions(path: string, overrides: Partial<AgentStoreOptions['storage']> = {}): AgentStoreOptions['storage'] {
  return {
    path,
    synchronous: 'FULL',
    historyRetentionMs: 7 * 24 * 3600_000,
    auditRetentionMs: 30 * 24 * 3600_000,
    outboxMaxBytes: 64 * 1024 * 1024,
    outboxMaxAgeMs: 7 * 24 * 3600_000,
    ...overrides,
  };
}

export function openStore(
  path: string,
  clock: { now: () => number },
  logger: StoreLogger = memoryLogger(),
  overrides: Partial<AgentStoreOptions['storage']> = {},
): AgentStore {
  return openAgentStore({ storage: storageOptions(path, overrides), logger, clock: clock.now });
}

/** Sample records stamped at the manual clock's start, correlation id c-1. */
export const { audit: auditEntry, result: resultEntry, change: changeEntry } = recordBuilders({ atMs: 1_700_000_000_000, correlationId: 'c-1' });

/** All outbox seqs and kinds, in order, straight from SQLite. */
export function outboxRows(store: AgentStore): { seq: number; kind: string }[] {
  return store.db.prepare('SELECT seq, kind FROM outbox ORDER BY seq').all() as { seq: number; kind: string }[];
}
