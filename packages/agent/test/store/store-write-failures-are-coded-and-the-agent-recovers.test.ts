// When SQLite cannot write the agent's database — full (max_page_count, as a
// full disk reports it) or read-only (query_only, as a read-only remount) — a
// collection or an outbox ack fails with STORE_WRITE_FAILED naming the file
// and the reason, not INTERNAL; the agent keeps running, nothing is
// half-written, and once it can write again everything works as before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InfraError } from '@infrastructor/shared';
import { loadConfigFile } from '../../src/config/load-config.js';
import { composeAgent, type Agent } from '../../src/main.js';

let agent: Agent | undefined;
let dir: string | undefined;
afterEach(async () => {
  await agent?.shutdown();
  agent = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a database that cannot grow', () => {
  it('fails the collection with STORE_WRITE_FAILED, keeps the agent running, and recovers when there is room', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infra-store-full-'));
    const path = join(dir, 'agent.yaml');
    writeFileSync(
      path,
      `site: lab
hosts:
  - { name: me, transport: local }
userCommands:
  big: { template: "head -c 200000 /dev/zero | tr '\\\\0' x", parser: raw, ttlMs: 0 }
storage: { path: ./agent.db }
schedule: { enabled: false }
`,
    );
    agent = composeAgent(loadConfigFile(path), pino({ level: 'silent' }));
    const db = agent.store.db;
    const count = (): number => db.prepare('SELECT count(*) FROM outbox').pluck().get() as number;
    expect((await agent.service.collect('me', 'big', { source: 'cli', forceRefresh: true })).status).toBe('success');
    const stored = count();

    // No room for another page: what a full disk looks like to SQLite.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const err = await agent.service.collect('me', 'big', { source: 'cli', forceRefresh: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InfraError);
    expect(err).toMatchObject({ code: 'STORE_WRITE_FAILED', details: { sqliteCode: 'SQLITE_FULL' } });
    expect((err as InfraError).message).toContain(join(dir, 'agent.db'));
    expect((err as InfraError).message).toContain('is full');
    expect(count()).toBe(stored); // nothing half-written
    expect(agent.counters.get('store_write_failed')).toBeGreaterThan(0);

    // Room again: the next collection is stored as usual.
    db.pragma('max_page_count = 1073741823');
    expect((await agent.service.collect('me', 'big', { source: 'cli', forceRefresh: true })).status).toBe('success');
    expect(count()).toBe(stored + 2);
  });
});

describe('an outbox that cannot be written', () => {
  it('fails an ack with STORE_WRITE_FAILED (nothing deleted) and acks once it can write again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infra-store-readonly-'));
    const path = join(dir, 'agent.yaml');
    writeFileSync(path, `site: lab\nhosts:\n  - { name: me, transport: local }\nstorage: { path: ./agent.db }\nschedule: { enabled: false }\n`);
    agent = composeAgent(loadConfigFile(path), pino({ level: 'silent' }));
    await agent.service.collect('me', 'uptime', { source: 'cli', forceRefresh: true });
    const last = agent.store.outbox.lastSeq();
    expect(last).toBeGreaterThan(0);
    // Writes refused, as on a file system remounted read-only.
    agent.store.db.pragma('query_only = 1');
    let err: unknown;
    try {
      agent.store.outbox.ack(last);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'STORE_WRITE_FAILED', details: { sqliteCode: 'SQLITE_READONLY' } });
    expect((err as InfraError).message).toContain('cannot be written');
    agent.store.db.pragma('query_only = 0');
    expect(agent.store.outbox.peek({ maxRecords: 100, maxBytes: 1 << 20 }).length).toBe(last);
    expect(agent.store.outbox.ack(last)).toBe(last);
  });
});
