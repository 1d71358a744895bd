import { describe, it, expect } from 'vitest';
import { parseIpAddr } from '../../src/parse/ip-addr.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('ip-addr', () => {
  it('reads this host, with lo holding 127.0.0.1/8', () => {
    const { interfaces } = parseIpAddr(fixture('ip-addr', 'this-host.json'));
    const lo = interfaces.find((i) => i.name === 'lo');
    expect(lo).toBeDefined();
    expect(lo!.addresses).toContainEqual({ family: 'inet', address: '127.0.0.1', prefixLength: 8, scope: 'host', peer: null, dynamic: false });
    expect(lo!.linkType).toBe('loopback');
    for (const i of interfaces) {
      expect(i.mtu).toBeGreaterThan(0);
      expect(i.state).toMatch(/^[A-Z]+$/);
    }
  });

  it('handles placeholders, tunnels, WireGuard, peers and links without addresses', () => {
    const { interfaces } = parseIpAddr(fixture('ip-addr', 'tunnels-and-placeholders.json'));
    expect(interfaces.map((i) => i.name)).toEqual(['lo', 'enp3s0', 'wg0', 'sit1', 'tun1']);
    const [, enp, wg, sit, tun] = interfaces;
    expect(enp).toMatchObject({ index: 3, state: 'UP', mtu: 9000, mac: 'a0:36:9f:12:34:56' });
    expect(enp!.addresses).toEqual([
      { family: 'inet', address: '10.0.0.5', prefixLength: 24, scope: 'global', peer: null, dynamic: true },
      { family: 'inet6', address: 'fe80::a236:9fff:fe12:3456', prefixLength: 64, scope: 'link', peer: null, dynamic: false },
    ]);
    expect(wg).toMatchObject({ mac: null, linkType: 'none', state: 'UNKNOWN' });
    expect(sit!.mac).toBeNull();
    expect(sit!.addresses[0]).toMatchObject({ address: '2001:db8::2', peer: '2001:db8::1' });
    expect(tun).toMatchObject({ state: 'DOWN', addresses: [] });
  });

  it('rejects malformed, truncated and empty input', () => {
    const text = fixture('ip-addr', 'this-host.json');
    expectParseFailed(() => parseIpAddr(''), 'ip-addr', /empty/);
    expectParseFailed(() => parseIpAddr(text.slice(0, 100)), 'ip-addr', /not valid JSON/);
    expectParseFailed(() => parseIpAddr('{"ifname":"lo"}'), 'ip-addr', /array/);
    expectParseFailed(() => parseIpAddr('[{"ifindex":1}]'), 'ip-addr', /ifname/);
    expectParseFailed(() => parseIpAddr('[{"ifname":"x","addr_info":[{"family":"inet","local":"10.0.0.1"}]}]'), 'ip-addr', /prefix/);
    expectParseFailed(() => parseIpAddr('[42]'), 'ip-addr', /not an object/);
    expectParseFailed(() => parseIpAddr('1: lo: <LOOPBACK,UP> mtu 65536'), 'ip-addr', /JSON/);
  });
});
