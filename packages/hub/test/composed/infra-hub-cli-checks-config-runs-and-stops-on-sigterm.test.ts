import { beforeAll, describe, expect, it, afterEach } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../src/main.js';
import { FakeAgent } from '../support/fake-agent.js';
import { testConfigText, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const root = resolve(import.meta.dirname, '../../../..');
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function io(): { out: string[]; err: string[]; io: { out(t: string): void; err(t: string): void; isTty: boolean } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => void out.push(t), err: (t) => void err.push(t), isTty: false } };
}

function configFile(): string {
  const dir = dirs.make();
  const path = join(dir, 'hub.yaml');
  writeFileSync(path, testConfigText(join(dir, 'hub.db')));
  return path;
}

beforeAll(() => {
  // The suite command builds first; build here too when run alone.
  const built = join(root, 'packages/hub/dist/main.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'packages/hub/src/main.ts')).mtimeMs) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/hub'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
}, 120_000);

describe('infra-hub CLI', () => {
  it('check-config prints a summary without tokens; a bad file is a usage error naming the line', async () => {
    const ok = io();
    expect(await main(['check-config', '--config', configFile()], ok.io)).toBe(0);
    expect(ok.out.join('\n')).toMatch(/agents +a1@alpha, a2@alpha, b1@beta/);
    expect(ok.out.join('\n')).not.toContain(TOKENS.a1);

    // An id listed twice (token rotation) is one agent with two tokens.
    const rotating = dirs.make();
    writeFileSync(
      join(rotating, 'hub.yaml'),
      testConfigText(join(rotating, 'hub.db')).replace(`  - { id: a2, site: alpha,`, `  - { id: a1, site: alpha, token: a1-rotated-token-0123456789 }\n  - { id: a2, site: alpha,`),
    );
    const twice = io();
    expect(await main(['check-config', '--config', join(rotating, 'hub.yaml')], twice.io)).toBe(0);
    expect(twice.out.join('\n')).toMatch(/agents +a1@alpha \(2 tokens\), a2@alpha, b1@beta/);

    const dir = dirs.make();
    writeFileSync(join(dir, 'bad.yaml'), 'insecure: true\nlistem: {}\n');
    const bad = io();
    expect(await main(['check-config', '--config', join(dir, 'bad.yaml')], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('CONFIG_UNKNOWN_KEY');
    expect(bad.err.join('\n')).toContain('line 2');
  });

  it('help exits 0, no command or an unknown one exits 2', async () => {
    expect(await main(['help'], io().io)).toBe(0);
    expect(await main([], io().io)).toBe(2);
    expect(await main(['frobnicate'], io().io)).toBe(2);
    expect(await main(['run'], io().io)).toBe(2);
  });

  it('run serves until SIGTERM, then closes agents with HUB_SHUTTING_DOWN and exits 0', async () => {
    const child = spawn(process.execPath, [join(root, 'packages/hub/bin/infra-hub.js'), 'run', '--config', configFile()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /"event":"hub_listening"[^\n]*"url":"([^"]+)"/.exec(output);
        if (m?.[1]) resolveUrl(m[1]);
      });
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', () => reject(new Error(`hub exited early:\n${output}`)));
    });
    const health = await fetch(`${url.replace('ws', 'http')}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    const agent = await FakeAgent.connect(url, TOKENS.a1);
    await agent.hello();
    child.kill('SIGTERM');
    expect((await agent.closed).code).toBe(4008);
    expect(await exited).toBe(0);
    expect(output).toContain('"event":"hub_stopped"');
    expect(output).not.toContain(TOKENS.a1);
  });
});
