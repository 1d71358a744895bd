// A record's event data is {agentId, site, ...record}. When the agent's
// payload holds exactly the fields the hub validated, those bytes are used
// as they are (no second encode); with an unknown field or a field sent
// twice, the event is encoded from the validated entry, so subscribers never
// receive a field the hub did not check — and either way they decode the
// same values.
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encode, mapHeader } from '@infrastructor/shared';
import { FakeAgent } from '../support/fake-agent.js';
import { audit, change, rec, result } from '../support/records.js';
import { hubs, startTestHub, testConfig, TOKENS } from '../support/test-hub.js';
import { tempDirs } from '../support/temp-dirs.js';
import type { HubEventInput } from '../../src/ports.js';

const dirs = tempDirs();
const running = hubs();
afterEach(async () => {
  await running.closeAll();
  dirs.cleanup();
});

/** What subscribers decode as the event's data. */
function eventData(e: HubEventInput): Record<string, unknown> {
  return decode(e.encodedData ?? encode(e.data)) as Record<string, unknown>;
}

/** The payload's entries (after its map header), as bytes. */
function body(payload: Uint8Array): Buffer {
  return Buffer.from(payload.subarray(mapHeader(payload)?.bodyOffset ?? 0));
}

describe('event data of applied records', () => {
  it("is the agent's payload behind agentId and site when it holds exactly the known fields", async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    const records = [rec(1, 'result', result({ data: { load: [0.1, 0.2, 0.3] } })), rec(2, 'audit', audit()), rec(3, 'change', change())];
    expect(await agent.batch(0, records)).toMatchObject({ seq: 3 });
    const [r, a, c] = ['result', 'audit', 'change'].map((kind) => t.publisher.events.find((e) => e.kind === kind) as HubEventInput);
    for (const [event, record, sent] of [
      [r, records[0], result({ data: { load: [0.1, 0.2, 0.3] } })],
      [a, records[1], audit()],
      [c, records[2], change()],
    ] as const) {
      expect(event?.encodedData).toBeDefined();
      expect(Buffer.from(event?.encodedData as Uint8Array).includes(body((record as { payload: Uint8Array }).payload))).toBe(true);
      expect(eventData(event as HubEventInput)).toEqual({ agentId: 'a1', site: 'alpha', ...(sent as object) });
    }
    // The retained state holds the same bytes as the result event.
    const stored = t.hub.db.prepare("SELECT data FROM latest WHERE kind = 'result'").pluck().get() as Buffer;
    expect(stored.equals(Buffer.from(r?.encodedData as Uint8Array))).toBe(true);
  });

  it('leaves out a field the hub does not know, and a field sent twice goes out once with the validated value', async () => {
    const t = running.track(await startTestHub(testConfig(dirs.make())));
    const agent = await FakeAgent.connect(t.url, TOKENS.a1);
    await agent.hello();
    const extra = { ...audit({ correlationId: 'extra' }), injected: 'not checked' };
    const resultExtra = { ...result({ correlationId: 'result-extra' }), injected: 'not checked' };
    // A map of 13 entries written by hand: status twice, the second wins on decode.
    const a = audit({ correlationId: 'twice', status: 'error', errorCode: 'EXEC_TIMEOUT', errorMessage: 'boom' });
    const entries = Object.entries(a);
    const dup = Buffer.concat([
      Buffer.from([0x80 | (entries.length + 1)]),
      ...entries.map(([k, v]) => Buffer.concat([encode(k), encode(v)])),
      encode('status'),
      encode('timeout'),
    ]);
    const ack = await agent.batch(0, [
      rec(1, 'audit', extra),
      rec(2, 'result', resultExtra),
      { seq: 3, kind: 'audit', createdAtMs: 1_000, payload: dup },
    ]);
    expect(ack).toMatchObject({ seq: 3 });
    const byCorrelation = (id: string): HubEventInput =>
      t.publisher.events.find((e) => (e.data as { correlationId?: string }).correlationId === id) as HubEventInput;
    const ex = eventData(byCorrelation('extra'));
    expect(ex).toEqual({ agentId: 'a1', site: 'alpha', ...audit({ correlationId: 'extra' }) });
    expect(ex).not.toHaveProperty('injected');
    expect(eventData(byCorrelation('result-extra'))).not.toHaveProperty('injected');
    const twice = byCorrelation('twice');
    // Encoded from the validated entry: every field once, not the payload's 14 entries.
    expect(Buffer.from(twice.encodedData as Uint8Array).includes(body(dup))).toBe(false);
    expect(mapHeader(twice.encodedData as Uint8Array)?.count).toBe(entries.length + 2);
    expect(eventData(twice)).toMatchObject({ status: 'timeout', correlationId: 'twice' });
  });
});
