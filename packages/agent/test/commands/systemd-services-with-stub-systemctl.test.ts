import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { isInfraError } from '@infrastructor/shared';
import { systemdServicesCommand, templateOf, type SystemdServicesResult } from '../../src/registry/builtin/services-systemd.js';
import { sha256Of } from '../../src/registry/builtin/services-file-collect.js';
import { fixture } from '../parse/services-fixtures.js';
import { makeStubHost, type StubHost } from './services-stub-host.js';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

describe('systemd_services on a stub host', () => {
  let host: StubHost;
  let etc: string;
  let lib: string;
  beforeAll(() => {
    host = makeStubHost();
    etc = path.join(host.root, 'etc-systemd');
    lib = path.join(host.root, 'lib-systemd');
    write(path.join(lib, 'backup-agent.service'), '[Service]\nExecStart=/old\n');
    write(path.join(etc, 'backup-agent.service'), fixture('systemd', 'backup-agent.service'));
    write(path.join(etc, 'backup-agent.service.d', 'override.conf'), '[Service]\nNice=10\n');
    write(path.join(lib, 'backup-agent.service.d', 'override.conf'), '[Service]\nNice=0\n');
    write(path.join(lib, 'backup-agent.service.d', 'limits.conf'), '[Service]\nLimitNOFILE=65536\n');
    write(path.join(lib, 'syncthing@.service'), '[Unit]\nDescription=Syncthing for %I\n[Service]\nUser=%i\nExecStart=/usr/bin/syncthing serve\n');
    write(path.join(etc, 'broken.service'), fixture('systemd', 'broken.service'));
  });
  afterAll(() => host.cleanup());

  it('reads running services from the JSON output', () => {
    const out = host.run(systemdServicesCommand, { units: [] });
    const r = systemdServicesCommand.parse(out) as SystemdServicesResult;
    expect(r.available).toBe(true);
    expect(r.source).toBe('json');
    expect(r.units).toHaveLength(6);
    expect(r.counts).toEqual({ total: 6, active: 3, failed: 1 });
    expect(r.files).toEqual([]);
    expect(host.calls('systemctl')).toEqual(['list-units --type=service --output=json --no-pager']);
  });

  it('falls back to the plain table when --output=json is not supported', () => {
    const r = systemdServicesCommand.parse(host.run(systemdServicesCommand, {}, { mode: 'old' })) as SystemdServicesResult;
    expect(r.source).toBe('plain');
    expect(r.units.find((u) => u.unit === 'nut-monitor.service')).toMatchObject({ active: 'failed', sub: 'failed' });
    expect(r.counts.failed).toBe(1);
    expect(host.calls('systemctl').slice(-2)).toEqual([
      'list-units --type=service --output=json --no-pager',
      'list-units --type=service --no-legend --no-pager --plain',
    ]);
  });

  it('reads requested unit files: highest-priority file, drop-ins, templates, hashes', () => {
    const out = host.run(systemdServicesCommand, {
      units: ['backup-agent.service', 'syncthing@alice.service', 'broken.service', 'absent.service'],
      unitDirs: [etc, lib],
      maxFileBytes: 131072,
    });
    const r = systemdServicesCommand.parse(out) as SystemdServicesResult;
    expect(r.files.map((f) => [f.unit, path.relative(host.root, f.path), f.dropIn])).toEqual([
      ['backup-agent.service', 'etc-systemd/backup-agent.service', false],
      ['backup-agent.service', 'etc-systemd/backup-agent.service.d/override.conf', true],
      ['backup-agent.service', 'lib-systemd/backup-agent.service.d/limits.conf', true],
      ['syncthing@alice.service', 'lib-systemd/syncthing@.service', false],
      ['broken.service', 'etc-systemd/broken.service', false],
    ]);
    const main = r.files[0];
    expect(main?.hash).toBe(sha256Of(fixture('systemd', 'backup-agent.service')));
    expect(main?.parsed?.sections.Service?.ExecStart).toEqual(['/usr/local/bin/backup-agent --config=/etc/backup-agent.yml']);
    expect(r.files[1]?.parsed?.sections.Service?.Nice).toEqual(['10']);
    expect(r.files[3]?.parsed?.sections.Service?.User).toEqual(['%i']);
    expect(r.files[4]?.parsed).toBeNull();
    expect(r.files[4]?.parseError).toMatch(/^systemd-unit: line 3/);
    expect(r.missingUnits).toEqual(['absent.service']);
    expect(systemdServicesCommand.files?.(r).map((f) => path.basename(f.path))).toEqual([
      'backup-agent.service',
      'override.conf',
      'limits.conf',
      'syncthing@.service',
      'broken.service',
    ]);
  });

  it('a unit name with shell metacharacters is only ever a quoted word', () => {
    const marker = path.join(host.root, 'PWNED');
    const out = host.run(systemdServicesCommand, { units: [`x$(touch ${marker});.service`], unitDirs: [etc] });
    const r = systemdServicesCommand.parse(out) as SystemdServicesResult;
    expect(existsSync(marker)).toBe(false);
    expect(r.missingUnits).toEqual([`x$(touch ${marker});.service`]);
  });

  it('no systemctl, or systemd not running as init, is "not available"', () => {
    const bare = systemdServicesCommand.parse(host.run(systemdServicesCommand, {}, { bare: true })) as SystemdServicesResult;
    expect(bare).toMatchObject({ available: false, reason: 'systemctl is not installed (no systemd on this host)', units: [] });
    const container = systemdServicesCommand.parse(host.run(systemdServicesCommand, {}, { mode: 'notbooted' })) as SystemdServicesResult;
    expect(container.available).toBe(false);
    expect(container.reason).toMatch(/not been booted with systemd/);
  });

  it('any other systemctl failure is EXEC_NONZERO_EXIT', () => {
    const out = host.run(systemdServicesCommand, {}, { mode: 'denied' });
    let thrown: unknown;
    try {
      systemdServicesCommand.parse(out);
    } catch (err) {
      thrown = err;
    }
    if (!isInfraError(thrown)) throw new Error(`expected an InfraError, got ${String(thrown)}`);
    expect(thrown.code).toBe('EXEC_NONZERO_EXIT');
    expect(thrown.message).toMatch(/units-plain exited with status 1: Failed to list units: Access denied/);
  });

  it('templateOf maps an instance to its template', () => {
    expect(templateOf('syncthing@alice.service')).toBe('syncthing@.service');
    expect(templateOf('docker.service')).toBeNull();
  });
});
