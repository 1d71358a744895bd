// `infra-hub status`: GET /status with a subscriber token, one line per agent
// and the counters that signal trouble; --json passes the report through; a
// wrong token exits 2 saying which token to use; an unreachable hub exits 1.
import { afterEach, describe, expect, it } from 'vitest';
import { statusCommand, statusUrl } from '../../src/cli/status.js';
import { FakeAgent } from '../support/fake-agent.js';
import { results } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty: false } };
}

describe('infra-hub status', () => {
  it('shows each agent of the token\'s sites and the trouble counters; --json is the report itself', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const a1 = await FakeAgent.connect(t.url, TOKENS.a1);
    await a1.hello();
    await a1.batch(0, results(1, 3));
    const b1 = await FakeAgent.connect(t.url, TOKENS.b1);
    await b1.hello({ agentId: 'b1', site: 'beta' });
    await fetch(`http://127.0.0.1:${t.hub.port}/status`); // no token: one auth failure to report

    const all = io();
    expect(await statusCommand(['--url', t.url, '--token', TOKENS.viewer], all.io, {})).toBe(0);
    const text = all.out.join('\n');
    expect(text).toMatch(/^a1@alpha {2}connected, acked 3(, 1 stale job\(s\))?$/m);
    expect(text).toMatch(/^b1@beta {2}connected, acked 0$/m);
    expect(text).toMatch(/counters: auth_failed 1/);

    const alpha = io();
    expect(await statusCommand(['--url', `http://127.0.0.1:${t.hub.port}`], alpha.io, { INFRA_HUB_TOKEN: TOKENS.alphaOperator })).toBe(0);
    expect(alpha.out.join('\n')).toContain('a1@alpha');
    expect(alpha.out.join('\n')).not.toContain('b1@beta');

    const json = io();
    expect(await statusCommand(['--url', t.url, '--token', TOKENS.viewer, '--json'], json.io, {})).toBe(0);
    expect(JSON.parse(json.out.join(''))).toMatchObject({ ok: true, agents: [{ agentId: 'a1', hwm: 3 }, { agentId: 'b1' }] });
  });

  it('a wrong token exits 2 naming the token to use; no hub exits 1; no --url is a usage error', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const bad = io();
    expect(await statusCommand(['--url', t.url, '--token', TOKENS.a1], bad.io, {})).toBe(2);
    expect(bad.err.join('\n')).toMatch(/AUTH_FAILED.*subscriber token/);
    const port = t.hub.port;
    await t.hub.close();
    const down = io();
    expect(await statusCommand(['--url', `ws://127.0.0.1:${port}`, '--token', TOKENS.viewer], down.io, {})).toBe(1);
    expect(down.err.join('\n')).toMatch(/HUB_UNREACHABLE/);
    const usage = io();
    expect(await statusCommand(['--token', TOKENS.viewer], usage.io, {})).toBe(2);
    expect(usage.err.join('\n')).toMatch(/--url is required/);
  });

  it('maps ws(s):// addresses to http(s)://…/status', () => {
    expect(statusUrl('ws://hub.lan:7400')).toBe('http://hub.lan:7400/status');
    expect(statusUrl('wss://hub.lan:7400/subscribe')).toBe('https://hub.lan:7400/status');
    expect(statusUrl('https://hub.lan')).toBe('https://hub.lan/status');
  });
});
