// The README's first command: `npm start` (scripts/quickstart.mjs) brings up
// a hub and an agent monitoring this machine and prints the live feed; a
// script can ask the hub for fresh data with the operator token it wrote;
// SIGTERM stops all of it with status 0. Run in a temp state dir on a free
// port (INFRA_QUICKSTART_DIR, INFRA_QUICKSTART_PORT).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, startProcess, type ManagedProcess } from '../harness/processes.js';
import { ensureBuilt, hubCli, REPO_ROOT } from './operator-support.js';

let quickstart: ManagedProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await quickstart?.stop();
  quickstart = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Pids of processes whose command line has every one of `parts` (from /proc). */
function pidsWith(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // gone meanwhile
    }
    if (parts.every((p) => cmdline.includes(p))) pids.push(Number(name));
  }
  return pids;
}

describe('npm start', () => {
  it('runs a hub and an agent, shows results live, answers a request, and stops on SIGTERM', async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'infra-quickstart-'));
    const port = await freePort();
    quickstart = startProcess('quickstart', join(REPO_ROOT, 'scripts/quickstart.mjs'), [], { INFRA_QUICKSTART_DIR: dir, INFRA_QUICKSTART_PORT: String(port) });

    // The live feed (JSON lines when not on a terminal): the agent's status, then a scheduled result.
    await quickstart.waitFor(/"topic":"site\/quickstart\/host\/this-machine\/load_average"/, 45_000);
    const feed = quickstart
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { kind: string; topic: string; data: Record<string, unknown> });
    const load = feed.find((e) => e.kind === 'result' && e.topic.endsWith('/load_average'));
    expect(load?.data).toMatchObject({ agentId: 'this-machine', site: 'quickstart', host: 'this-machine' });
    expect(feed.some((e) => e.kind === 'agent' && e.topic === 'agents/quickstart/this-machine')).toBe(true);

    // What the start-up lines tell a user to run.
    expect(quickstart.output()).toContain(`hub on ws://127.0.0.1:${port}`);
    const token = (JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as { operator: string }).operator;
    const asked = hubCli(['request', '--url', `ws://127.0.0.1:${port}`, '--token', token, '--json', 'quickstart', 'this-machine', 'uptime']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout.trim())).toMatchObject({ ok: true, site: 'quickstart', host: 'this-machine', command: 'uptime', status: expect.stringMatching(/^(success|cached)$/) });

    // Everything it wrote is in the state dir; SIGTERM stops the hub, the agent and the feed.
    expect(readFileSync(join(dir, 'hub.log'), 'utf8')).toContain('hub_listening');
    const feedProcess = ['infra-hub.js', 'watch', `ws://127.0.0.1:${port}`];
    expect(pidsWith(...feedProcess)).toHaveLength(1);
    expect(await quickstart.stop()).toBe(0);
    quickstart = undefined;
    // Nothing is left running: the feed would otherwise retry against the stopped hub for ever.
    await eventually(() => pidsWith(...feedProcess).length === 0, 10_000, 'the live feed process to exit');
    const hubLog = readFileSync(join(dir, 'hub.log'), 'utf8');
    const agentLog = readFileSync(join(dir, 'agent.log'), 'utf8');
    expect(hubLog).toContain('"event":"hub_stopped"');
    expect(agentLog).toContain('"event":"shutdown_finished"');
  }, 90_000);
});
