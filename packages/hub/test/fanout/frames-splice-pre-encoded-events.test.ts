import { describe, expect, it } from 'vitest';
import { decode, encode, parseHubToSubscriberMessage, type HubEvent } from '@infrastructor/shared';
import { buildEventsFrame, buildListFrame, buildSnapshotFrame } from '../../src/fanout/list-frame.js';
import { encodeHubEvent } from '../../src/fanout/encoded-event.js';

const event = (seq: number, small = false): HubEvent => ({
  seq,
  topic: `site/a/host/h/cmd${seq % 3}`,
  topicSeq: seq,
  kind: 'result',
  timeMs: 1000 + seq,
  data: small ? seq : { n: seq, s: 'x'.repeat(seq % 40) },
});

describe('frames built from pre-encoded events', () => {
  for (const count of [0, 1, 15, 16, 300, 65_535, 65_536]) {
    it(`an events frame of ${count} events decodes like encode({t:'events', events})`, () => {
      const events = Array.from({ length: count }, (_, i) => event(i + 1, count > 300));
      const frame = buildEventsFrame(events.map((e) => ({ bytes: encodeHubEvent(e) })));
      expect(decode(frame)).toEqual({ t: 'events', events });
      expect(parseHubToSubscriberMessage(decode(frame))).toEqual({ t: 'events', events });
    });
  }

  it('a snapshot frame carries the epoch and seq before its entries', () => {
    const entries = [event(3), event(7)];
    const frame = buildSnapshotFrame('abcdef0123456789', 9, entries.map((e) => ({ bytes: encodeHubEvent(e) })));
    expect(decode(frame)).toEqual({ t: 'snapshot', hubEpoch: 'abcdef0123456789', seq: 9, entries });
    expect(parseHubToSubscriberMessage(decode(frame))).toMatchObject({ t: 'snapshot', seq: 9 });
  });

  it('a head with more than 15 fields gets a map16 header', () => {
    const head = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    expect(decode(buildListFrame(head, 'items', [encode(1), encode('two')]))).toEqual({ ...head, items: [1, 'two'] });
  });
});
