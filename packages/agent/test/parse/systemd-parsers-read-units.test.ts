import { describe, it, expect } from 'vitest';
import { parseSystemdUnit } from '../../src/parse/systemd-unit.js';
import { parseSystemctlUnits, parseSystemctlUnitsPlain } from '../../src/parse/systemctl-units.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

describe('systemd-unit parser', () => {
  const unit = parseSystemdUnit(fixture('systemd', 'backup-agent.service'));

  it('reads sections and keys, repeated keys as lists in order', () => {
    expect(Object.keys(unit.sections)).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.sections.Unit?.Description).toEqual(['Nightly backup agent']);
    expect(unit.sections.Unit?.After).toEqual(['network-online.target zfs.target', 'docker.service']);
    expect(unit.sections.Service?.Environment).toEqual(['RESTIC_CACHE_DIR=/var/cache/restic', '"GOMAXPROCS=2" LANG=C.UTF-8']);
    expect(unit.sections.Service?.ExecStartPre).toEqual(['-/usr/bin/mkdir -p /var/cache/restic']);
    expect(unit.sections.Install).toEqual({ WantedBy: ['multi-user.target'] });
  });

  it('resets a list on an empty assignment', () => {
    expect(unit.sections.Service?.ExecStart).toEqual(['/usr/local/bin/backup-agent --config=/etc/backup-agent.yml']);
    expect(parseSystemdUnit('[Service]\nExecStart=/a\nExecStart=\n').sections.Service?.ExecStart).toEqual([]);
  });

  it('joins continuation lines, skipping comments inside them', () => {
    const u = parseSystemdUnit('[Service]\nExecStart=/bin/x \\\n  --a \\\n# note\n  --b\nUser=x\n');
    expect(u.sections.Service?.ExecStart).toEqual(['/bin/x    --a    --b']);
    expect(u.sections.Service?.User).toEqual(['x']);
  });

  it('merges a repeated section and reads empty input as no sections', () => {
    expect(parseSystemdUnit('[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nA=3\n').sections.Unit).toEqual({ A: ['1', '3'] });
    expect(parseSystemdUnit('')).toEqual({ sections: {} });
  });

  it('rejects lines that are not assignments and keys outside sections', () => {
    expectParseFailed(() => parseSystemdUnit(fixture('systemd', 'broken.service')), 'systemd-unit', /line 3: not a \[Section\]/);
    expectParseFailed(() => parseSystemdUnit('Description=x\n[Unit]\n'), 'systemd-unit', /line 1: assignment outside/);
  });
});

describe('systemctl-units parser', () => {
  const expected = [
    { unit: 'containerd.service', load: 'loaded', active: 'active', sub: 'running' },
    { unit: 'nut-monitor.service', load: 'loaded', active: 'failed', sub: 'failed' },
    { unit: 'plymouth-quit.service', load: 'not-found', active: 'inactive', sub: 'dead' },
  ];

  it('reads the JSON output', () => {
    const units = parseSystemctlUnits(fixture('systemd', 'list-units.json'));
    expect(units).toHaveLength(6);
    for (const e of expected) expect(units).toContainEqual(expect.objectContaining(e));
    expect(units.find((u) => u.unit === 'zfs-zed.service')?.description).toBe('ZFS Event Daemon (zed)');
  });

  it('reads the --plain --no-legend table', () => {
    const units = parseSystemctlUnits(fixture('systemd', 'list-units-plain.txt'));
    expect(units).toHaveLength(8);
    for (const e of expected) expect(units).toContainEqual(expect.objectContaining(e));
    expect(units.find((u) => u.unit === 'nut-monitor.service')?.description).toBe('Network UPS Tools - power device monitor and shutdown controller');
    expect(units[6]).toEqual({
      unit: 'systemd-fsck@dev-disk-by\\x2duuid-0f3a.service',
      load: 'loaded',
      active: 'active',
      sub: 'exited',
      description: 'File System Check on /dev/disk/by-uuid/0f3a',
    });
  });

  it('reads the legacy table with ● markers, ANSI colours, header and legend', () => {
    const units = parseSystemctlUnitsPlain(fixture('systemd', 'list-units-legacy-ansi.txt'));
    expect(units.map((u) => u.unit)).toEqual([
      'containerd.service',
      'nut-monitor.service',
      'plymouth-quit.service',
      'smartd.service',
      'user@1000.service',
    ]);
    expect(units[1]).toEqual({
      unit: 'nut-monitor.service',
      load: 'loaded',
      active: 'failed',
      sub: 'failed',
      description: 'Network UPS Tools - power device monitor',
    });
    for (const u of units) expect(JSON.stringify(u)).not.toContain('\u001b');
  });

  it('reads empty output as no units', () => {
    expect(parseSystemctlUnits('')).toEqual([]);
    expect(parseSystemctlUnits('[]\n')).toEqual([]);
  });

  it('rejects truncated JSON, wrong shapes and text that is not a unit table', () => {
    expectParseFailed(() => parseSystemctlUnits(fixture('systemd', 'list-units-truncated.json')), 'systemctl-units', /not valid JSON/);
    expectParseFailed(() => parseSystemctlUnits('[{"unit":"a.service"}]'), 'systemctl-units', /entry 0: load/);
    expectParseFailed(() => parseSystemctlUnits(fixture('systemd', 'list-units-garbage.txt')), 'systemctl-units', /line 1/);
  });
});
