// The hub announces its frame limit in the welcome (limits.agentMaxPayloadBytes).
// A limit below the default — under which the agent already refuses larger
// results — is warned about once per connection with what to change, and the
// stream goes on; a welcome without it (an older hub) changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_MAX_PAYLOAD_BYTES, PROTOCOL_VERSION } from '@infrastructor/shared';
import { FakeHub } from './fake-hub.js';
import { appendResults, createLink, hubConfig, openStore, tempDirs } from './link-fixtures.js';

const dirs = tempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dirs.cleanup();
});

async function linkWithWelcome(maxFrameBytes: number | undefined) {
  const hub = await FakeHub.start({
    onHello: (conn) => conn.send({ t: 'welcome', protocol: PROTOCOL_VERSION, ackedSeq: 0, epochStatus: 'new', ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }) }),
  });
  const store = openStore(dirs.make());
  appendResults(store, 3);
  const h = createLink(store, hubConfig(hub.url));
  cleanups.push(() => store.close(), () => hub.stop(), () => h.link.destroy());
  h.link.start();
  const conn = await hub.connection(1);
  await conn.recordsUpTo(3);
  return h;
}

describe('the hub frame limit in the welcome', () => {
  it('below the default: one warning naming the setting, and records still stream', async () => {
    const h = await linkWithWelcome(1024 * 1024);
    expect(h.counters.get('hub_frame_limit_below_default')).toBe(1);
    const warn = h.lines.find((l) => l.event === 'hub_frame_limit_below_default');
    expect(warn).toMatchObject({ level: 40, hubMaxFrameBytes: 1024 * 1024, defaultBytes: DEFAULT_AGENT_MAX_PAYLOAD_BYTES });
    expect(warn?.msg).toMatch(/limits\.agentMaxPayloadBytes/);
  });

  it('at the default, or absent (an older hub): no warning', async () => {
    for (const limit of [DEFAULT_AGENT_MAX_PAYLOAD_BYTES, undefined]) {
      const h = await linkWithWelcome(limit);
      expect(h.counters.get('hub_frame_limit_below_default')).toBe(0);
    }
  });
});
