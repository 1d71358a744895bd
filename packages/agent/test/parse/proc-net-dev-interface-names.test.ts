import { describe, it, expect } from 'vitest';
import { parseProcNetDev } from '../../src/parse/proc-net-dev.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('proc-net-dev', () => {
  it('reads every interface of this host', () => {
    const text = fixture('proc-net-dev', 'this-host.txt');
    const names = text.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => l.split(':')[0]!.trim());
    const { interfaces } = parseProcNetDev(text);
    expect(interfaces.map((i) => i.name)).toEqual(names);
    const lo = interfaces.find((i) => i.name === 'lo');
    expect(lo).toBeDefined();
    expect(lo!.rxBytes).toBe(lo!.txBytes);
    expect(lo!.rxPackets).toBe(lo!.txPackets);
  });

  it('reads counters glued to the colon, alias names with colons and UTF-8 names', () => {
    const { interfaces } = parseProcNetDev(fixture('proc-net-dev', 'odd-names.txt'));
    expect(interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'br0:10', 'wg-café']);
    expect(interfaces[1]).toEqual({
      name: 'eth0',
      rxBytes: 98765432109, rxPackets: 7654321, rxErrors: 1, rxDrops: 2, rxFifo: 0, rxFrame: 0, rxCompressed: 0, rxMulticast: 12,
      txBytes: 1234567890, txPackets: 987654, txErrors: 3, txDrops: 4, txFifo: 0, txCollisions: 5, txCarrier: 6, txCompressed: 0,
    });
    expect(interfaces[2]!.rxBytes).toBe(100);
    expect(interfaces[3]!.txPackets).toBe(8);
  });

  it('gives no interfaces for a header-only file', () => {
    const header = fixture('proc-net-dev', 'odd-names.txt').split('\n').slice(0, 2).join('\n');
    expect(parseProcNetDev(header).interfaces).toEqual([]);
  });

  it('rejects malformed, truncated and empty input', () => {
    const text = fixture('proc-net-dev', 'odd-names.txt');
    expectParseFailed(() => parseProcNetDev(''), 'proc-net-dev', /Inter-/);
    expectParseFailed(() => parseProcNetDev(text.split('\n')[0]!), 'proc-net-dev', /column header/);
    expectParseFailed(() => parseProcNetDev(text.slice(0, text.indexOf('eth0:') + 30)), 'proc-net-dev', /counters/);
    expectParseFailed(() => parseProcNetDev(text.replace('98765432109', '9876x432109')), 'proc-net-dev', /not a counter/);
    expectParseFailed(() => parseProcNetDev(text.replace('multicast|', 'multicast extra|')), 'proc-net-dev', /column header/);
    expectParseFailed(() => parseProcNetDev(`${text}garbage line without colon\n`), 'proc-net-dev', /without a colon/);
  });
});
