// TLS between agent and hub: with the CA file the agent streams over wss;
// without it the connection is refused and the link says why.
import { describe, it, expect, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { eventually } from '../harness/processes.js';
import { startInProcessSite, type InProcessSite } from '../harness/site.js';

const TOKEN = 'tls-agent-token-0123456789abcdef';

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('openssl is required for the TLS tests (CI=true: failing, not skipping)');
    return false;
  }
}
const HAVE_OPENSSL = opensslAvailable();

let site: InProcessSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

async function setup(withCa: boolean): Promise<InProcessSite> {
  site = await startInProcessSite({
    tmpPrefix: 'infra-tls-',
    agent: { id: 'lab', site: 'lab', token: TOKEN },
    tls: { agentTrustsCa: withCa },
    hosts: [{ name: 'me', transport: 'local' }],
    reconnectDelayMs: { base: 100, max: 500 },
  });
  return site;
}

describe.skipIf(!HAVE_OPENSSL)('agent ↔ hub over TLS', () => {
  it('streams over wss when the agent trusts the hub certificate through caFile', async () => {
    const { hub, agent } = await setup(true);
    expect(hub.url).toMatch(/^wss:\/\//);
    agent.scheduler.trigger('me', 'uptime');
    await eventually(() => hub.status().agents.some((a) => a.agentId === 'lab' && a.connected && a.hwm >= 2), 20_000, 'records over wss');
    expect(agent.link?.state()).toMatchObject({ connected: true });
  }, 40_000);

  it('refuses a hub certificate it cannot verify and reports it', async () => {
    const { hub, agent } = await setup(false);
    await eventually(() => agent.link?.state().lastError !== null, 20_000, 'a TLS failure in the link state');
    expect(agent.link?.state().connected).toBe(false);
    expect(JSON.stringify(agent.link?.state().lastError)).toMatch(/certificate|TLS|self.signed/i);
    expect(hub.status().agents.some((a) => a.connected)).toBe(false);
  }, 40_000);
});
