import { describe, it, expect } from 'vitest';
import { parseLsblk } from '../../src/parse/lsblk.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

describe('lsblk', () => {
  it('reads this host (numbers and booleans, null model/serial)', () => {
    const text = fixture('lsblk', 'this-host.json');
    const { devices } = parseLsblk(text);
    expect(devices.length).toBe((text.match(/"name":/g) ?? []).length);
    for (const d of devices) {
      expect(d.name).toMatch(/^[a-z]/);
      expect(d.type).toBe('disk');
      expect(typeof d.sizeBytes).toBe('number');
      expect(typeof d.rotational).toBe('boolean');
      expect(d.children).toEqual([]);
    }
  });

  it('reads old lsblk that prints every value as a string, trimming padded models', () => {
    const { devices } = parseLsblk(fixture('lsblk', 'old-lsblk-strings.json'));
    expect(devices[0]).toEqual({
      name: 'sda', type: 'disk', sizeBytes: 500107862016, model: 'Samsung SSD 860', serial: 'S3Z1NB0K123456A',
      rotational: false, transport: 'sata', children: [],
    });
    expect(devices[1]!.rotational).toBe(true);
    expect(devices[2]).toMatchObject({ name: 'sr0', type: 'rom', serial: null });
  });

  it('reads transports and types of mixed devices', () => {
    const { devices } = parseLsblk(fixture('lsblk', 'nvme-usb-loop.json'));
    expect(devices.map((d) => [d.name, d.type, d.transport])).toEqual([
      ['loop0', 'loop', null], ['sda', 'disk', 'usb'], ['nvme0n1', 'disk', 'nvme'], ['zram0', 'disk', null],
    ]);
  });

  it('keeps children nested and gives an empty list for no devices', () => {
    const nested = parseLsblk('{"blockdevices":[{"name":"sda","type":"disk","size":100,"children":[{"name":"sda1","type":"part","size":50}]}]}');
    expect(nested.devices[0]!.children[0]).toMatchObject({ name: 'sda1', type: 'part', sizeBytes: 50, model: null });
    expect(parseLsblk('{"blockdevices": []}').devices).toEqual([]);
  });

  it('rejects malformed, truncated and empty input', () => {
    const text = fixture('lsblk', 'old-lsblk-strings.json');
    expectParseFailed(() => parseLsblk(''), 'lsblk', /empty/);
    expectParseFailed(() => parseLsblk(text.slice(0, text.length / 2)), 'lsblk', /not valid JSON/);
    expectParseFailed(() => parseLsblk('{}'), 'lsblk', /blockdevices/);
    expectParseFailed(() => parseLsblk('[1,2]'), 'lsblk', /object/);
    expectParseFailed(() => parseLsblk('{"blockdevices":[{"type":"disk"}]}'), 'lsblk', /no name/);
    expectParseFailed(() => parseLsblk('{"blockdevices":[{"name":"sda","size":"20G"}]}'), 'lsblk', /-b/);
    expectParseFailed(() => parseLsblk('NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINT\nsda 8:0 0 20G 0 disk\n'), 'lsblk', /JSON/);
  });
});
