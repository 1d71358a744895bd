import { describe, it, expect } from 'vitest';
import cron from 'node-cron';
import { isInfraError } from '@infrastructor/shared';
import { servicesCommands } from '../../src/registry/builtin/services.js';
import { servicesParsers } from '../../src/parse/catalog-services.js';
import { validateParams, checkParamValue } from '../../src/registry/params.js';
import { newNonce } from '../../src/parse/sections.js';

const byName = (name: string) => {
  const c = servicesCommands.find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name}`);
  return c;
};

describe('services command specs', () => {
  it('are the expected commands with the agreed TTLs', () => {
    expect(servicesCommands.map((c) => [c.name, c.defaults.ttlMs])).toEqual([
      ['list_containers', 30_000],
      ['container_stats', 30_000],
      ['zfs_pools', 600_000],
      ['zfs_datasets', 600_000],
      ['proxy_configs', 0],
      ['docker_compose', 0],
      ['systemd_services', 600_000],
    ]);
  });

  it('have valid cron schedules, one retry, 15-30 s timeouts, and are enabled', () => {
    for (const c of servicesCommands) {
      expect(cron.validate(c.defaults.schedule), c.name).toBe(true);
      expect(c.defaults.retries, c.name).toBe(1);
      expect(c.defaults.timeoutMs, c.name).toBeGreaterThanOrEqual(15_000);
      expect(c.defaults.timeoutMs, c.name).toBeLessThanOrEqual(30_000);
      expect(c.defaults.enabled, c.name).toBe(true);
      expect(c.description.length, c.name).toBeGreaterThan(20);
    }
  });

  it('accept their own defaults, and every script is generated from them', () => {
    for (const c of servicesCommands) {
      const values = validateParams(c, {});
      for (const [name, spec] of Object.entries(c.params)) {
        const d = spec.default;
        if (Array.isArray(d) && d.length === 0) continue;
        if (d !== undefined) expect(checkParamValue(spec, d).ok, `${c.name}.${name}`).toBe(true);
      }
      const script = c.script(values, { nonce: newNonce() });
      expect(script.length, c.name).toBeGreaterThan(0);
    }
  });

  it('reject relative, dash-leading, dot-dot and glob dirs, and unit names that are not units', () => {
    for (const name of ['proxy_configs', 'docker_compose']) {
      const c = byName(name);
      expect(validateParams(c, { dirs: ['/srv/app data', '/opt/stacks'] }).dirs).toEqual(['/srv/app data', '/opt/stacks']);
      for (const bad of ['relative/dir', '-rf', '/opt/../etc', '/opt/..', '/opt/*', '/opt/$(id)', '/opt/`id`', "/opt/it's"]) {
        let thrown: unknown;
        try {
          validateParams(c, { dirs: [bad] });
        } catch (err) {
          thrown = err;
        }
        expect(isInfraError(thrown) && thrown.code, `${name} ${bad}`).toBe('PARAM_INVALID');
      }
    }
    const systemd = byName('systemd_services');
    expect(validateParams(systemd, { units: ['docker.service', 'syncthing@alice.service', 'systemd-fsck@dev-disk-by\\x2duuid.service'] }).units).toHaveLength(3);
    for (const bad of ['docker', '../x.service', '/etc/passwd', 'a b.service', '-x.service', 'x;id.service']) {
      expect(() => validateParams(systemd, { units: [bad] }), bad).toThrow(/units/);
    }
  });

  it('file commands have files(); the others do not', () => {
    expect(servicesCommands.filter((c) => c.files).map((c) => c.name)).toEqual(['proxy_configs', 'docker_compose', 'systemd_services']);
  });
});

describe('services parser catalog', () => {
  it('lists the parsers by their exact names, each saying what input it takes', () => {
    expect(servicesParsers.map((p) => p.name)).toEqual([
      'docker-ps',
      'docker-stats',
      'zpool-list',
      'zpool-status',
      'zfs-list',
      'nginx-conf',
      'compose-file',
      'systemd-unit',
      'systemctl-units',
    ]);
    for (const p of servicesParsers) expect(p.input.length, p.name).toBeGreaterThan(10);
  });

  it('every parser rejects plain garbage with PARSE_FAILED naming itself', () => {
    for (const p of servicesParsers) {
      let thrown: unknown;
      try {
        p.parse('hello world, this is not it\n');
      } catch (err) {
        thrown = err;
      }
      if (!isInfraError(thrown)) throw new Error(`${p.name} accepted garbage`);
      expect(thrown.code, p.name).toBe('PARSE_FAILED');
      expect(thrown.message.startsWith(`${p.name}: `), p.name).toBe(true);
    }
  });
});
