// `systemctl reload infra-agent` (SIGHUP to `infra-agent run`): a changed
// configuration is applied in the same process — here a new command starts
// being collected — and a broken file is logged with its code while the
// agent goes on with what it had. SIGTERM still stops it cleanly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startProcess, type ManagedProcess } from '../harness/processes.js';
import { AGENT_BIN, ensureBuilt } from './operator-support.js';

let agent: ManagedProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function configText(db: string, commands: string[]): string {
  return `site: reload-test
hosts:
  - { name: me, transport: local }
storage:
  path: ${db}
schedule:
  jitterMs: 0
userCommands:
${commands.map((c) => `  ${c}: { template: "echo ${c}", parser: raw, schedule: "* * * * * *" }`).join('\n')}
`;
}

function audits(db: string, command: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT count(*) FROM audit WHERE command = ?').pluck().get(command) as number;
  } finally {
    conn.close();
  }
}

describe('infra-agent run on SIGHUP', () => {
  it('applies a changed config, keeps running on a broken one, and still stops on SIGTERM', async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'infra-agent-reload-'));
    const db = join(dir, 'agent.db');
    const path = join(dir, 'agent.yaml');
    writeFileSync(path, configText(db, ['say_a']));
    agent = startProcess('agent', AGENT_BIN, ['run', '--config', path]);
    await agent.waitFor(/"event":"agent_started"/);
    await eventually(() => audits(db, 'say_a') > 0, 10_000, 'say_a collected');
    expect(audits(db, 'say_b')).toBe(0);

    // A new command: applied without a restart of the process.
    writeFileSync(path, configText(db, ['say_a', 'say_b']));
    agent.signal('SIGHUP');
    await agent.waitFor(/"event":"config_reloaded"/);
    expect(agent.output()).toMatch(/"event":"config_reload_started","changes":\["userCommands"\]/);
    await eventually(() => audits(db, 'say_b') > 0, 10_000, 'say_b collected after the reload');

    // A broken file: logged with its code, nothing changes.
    writeFileSync(path, `${configText(db, ['say_a', 'say_b'])}hostz: []\n`);
    agent.signal('SIGHUP');
    await agent.waitFor(/"event":"config_reload_failed"/);
    expect(agent.output()).toMatch(/"event":"config_reload_failed","code":"CONFIG_UNKNOWN_KEY"/);
    const before = audits(db, 'say_b');
    await eventually(() => audits(db, 'say_b') > before, 10_000, 'say_b still collected after the broken reload');
    expect(agent.running()).toBe(true);

    expect(await agent.stop()).toBe(0);
    agent = undefined;
  }, 60_000);
});
