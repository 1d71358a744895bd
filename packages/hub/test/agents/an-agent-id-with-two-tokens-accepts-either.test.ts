// Token rotation without a break: an agent id listed twice with the same
// site and two tokens is one agent that may connect with either; the same id
// under another site is a config error naming the key and line.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InfraError } from '@infrastructor/shared';
import { parseHubConfig } from '../../src/config/load-hub-config.js';
import { FakeAgent } from '../support/fake-agent.js';
import { results } from '../support/records.js';
import { hubs, startTestHub, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

const NEW_TOKEN = 'agent-a1-rotated-token-0123456789';

function rotationConfig(dir: string, agents: string) {
  return parseHubConfig(
    `listen: { host: 127.0.0.1, port: 0 }
insecure: true
storage: { path: ${JSON.stringify(join(dir, 'hub.db'))} }
agents:
${agents}
`,
    join(dir, 'hub.yaml'),
  );
}

describe('an agent id with two tokens', () => {
  it('accepts either token as the same agent, and the stream continues across the switch', async () => {
    const dir = dirs.make();
    const config = rotationConfig(dir, `  - { id: a1, site: alpha, token: ${TOKENS.a1} }\n  - { id: a1, site: alpha, token: ${NEW_TOKEN} }`);
    expect(config.agents.map((a) => a.id)).toEqual(['a1', 'a1']);
    const t = running.track(await startTestHub(config));

    const old = await FakeAgent.connect(t.url, TOKENS.a1);
    await old.hello();
    expect(await old.batch(0, results(1, 2))).toMatchObject({ t: 'ack', seq: 2 });
    await old.close();

    const rotated = await FakeAgent.connect(t.url, NEW_TOKEN);
    expect(await rotated.hello()).toMatchObject({ ackedSeq: 2, epochStatus: 'known' });
    expect(await rotated.batch(2, results(3, 1))).toMatchObject({ t: 'ack', seq: 3 });
    expect(t.hub.status().agents.filter((a) => a.agentId === 'a1')).toHaveLength(1);

    // A token that is neither is refused before any WebSocket.
    await expect(FakeAgent.connect(t.url, 'agent-a1-unknown-token-0123456789')).rejects.toThrow(/401/);
  });

  it('refuses the same id under another site, naming the key and line', () => {
    let error: InfraError | undefined;
    try {
      rotationConfig(dirs.make(), `  - { id: a1, site: alpha, token: ${TOKENS.a1} }\n  - { id: a1, site: beta, token: ${NEW_TOKEN} }`);
    } catch (err) {
      error = err as InfraError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toMatch(/agents\[1\]\.site/);
    expect(error?.message).toMatch(/line 6/);
    expect(error?.message).toMatch(/already listed with site "alpha"/);
  });
});
