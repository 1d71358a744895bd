/**
 * Runs the services parsers over real outputs from public projects in
 * ../shared/corpus (next to the repository) and checks the values make
 * sense, not just that nothing throws.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerPs } from '../../src/parse/docker-ps.js';
import { parseDockerStats } from '../../src/parse/docker-stats.js';
import { parseZpoolStatus, type ZpoolVdev } from '../../src/parse/zpool-status.js';
import { parseZpoolList } from '../../src/parse/zpool-list.js';
import { parseNginxConf, type NginxLocation } from '../../src/parse/nginx-conf.js';
import { parseComposeFile } from '../../src/parse/compose-file.js';
import { parseSystemdUnit } from '../../src/parse/systemd-unit.js';
import { parseSystemctlUnits } from '../../src/parse/systemctl-units.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus');
const present = existsSync(CORPUS);

if (!present && process.env.CI === 'true') {
  throw new Error(`corpus folder ${CORPUS} is missing (required when CI=true)`);
}
if (!present) console.warn(`[services corpus] skipped: ${CORPUS} not found`);

function files(kind: string, filter: (name: string) => boolean = () => true): Array<[string, string]> {
  const dir = path.join(CORPUS, kind);
  const names = readdirSync(dir).filter(filter).sort();
  expect(names.length, `no corpus files in ${dir}`).toBeGreaterThan(0);
  return names.map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]);
}

function read(kind: string, name: string): string {
  return readFileSync(path.join(CORPUS, kind, name), 'utf8');
}

function walk(v: ZpoolVdev): ZpoolVdev[] {
  return [v, ...v.children.flatMap(walk)];
}

describe.skipIf(!present)(`services parsers on the public corpus (${CORPUS})`, () => {
  it('docker ps: every file, sane containers', () => {
    for (const [name, text] of files('docker_ps_json', (n) => !n.includes('stats'))) {
      const containers = parseDockerPs(text);
      expect(containers.length, name).toBeGreaterThan(0);
      for (const c of containers) {
        expect(c.id, name).toMatch(/^[0-9a-f]{12}$/);
        expect(c.names.length, name).toBeGreaterThan(0);
        expect(['running', 'restarting', 'exited', 'created', 'paused', 'dead', 'removing'], name).toContain(c.state);
        expect(c.createdAtMs, name).toBeGreaterThan(Date.UTC(2015, 0, 1));
        for (const key of Object.keys(c.labels)) expect(key, name).not.toMatch(/^\s|,/);
      }
    }
    const olive = parseDockerPs(read('docker_ps_json', 'olivetin_searxng_4_restarting.jsonl'));
    expect(olive.map((c) => c.state)).toEqual(['running', 'running', 'restarting', 'running']);
    const caddy = olive[2];
    expect(caddy?.networks).toEqual(['host']);
    expect(caddy?.labels['org.opencontainers.image.description']).toBe(
      'a powerful, enterprise-ready, open source web server with automatic HTTPS written in Go',
    );
    expect(olive[1]?.labels.description).toBe('A privacy-respecting, hackable metasearch engine.');
    expect(olive[1]?.labels['org.label-schema.version']).toBe('2025.1.16+272e39893');
    expect(olive[1]?.ports.mappings).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8181, hostPortEnd: null, containerPort: 8080, containerPortEnd: null, protocol: 'tcp' },
    ]);
    expect(olive[3]?.ports.mappings.map((m) => [m.hostIp, m.hostPort, m.containerPort])).toEqual([
      ['0.0.0.0', 8383, 80],
      ['::', 8383, 80],
    ]);
    const [docs] = parseDockerPs(read('docker_ps_json', 'dockerdocs_ps_1_nginx.jsonl'));
    expect(docs?.labels.maintainer).toBe('NGINX Docker Maintainers <docker-maint@nginx.com>');
    expect(docs?.ports.mappings).toEqual([{ hostIp: null, hostPort: null, hostPortEnd: null, containerPort: 80, containerPortEnd: null, protocol: 'tcp' }]);
  });

  it('docker stats: every file, sane sizes and percentages', () => {
    for (const [name, text] of files('docker_ps_json', (n) => n.includes('stats'))) {
      const stats = parseDockerStats(text);
      expect(stats.length, name).toBeGreaterThan(0);
      for (const s of stats) {
        expect(s.memoryUsedBytes, name).toBeGreaterThan(0);
        expect(s.memoryLimitBytes ?? 0, name).toBeGreaterThan(s.memoryUsedBytes ?? 0);
        // MemPerc agrees with used/limit (docker rounds the sizes it prints).
        const pct = ((s.memoryUsedBytes ?? 0) / (s.memoryLimitBytes ?? 1)) * 100;
        expect(Math.abs(pct - (s.memoryPercent ?? -1)), name).toBeLessThan(0.2);
        expect(s.pids, name).toBeGreaterThan(0);
      }
    }
    const limited = parseDockerStats(read('docker_ps_json', 'stats_gowebbench_13containers_memlimit.jsonl'));
    expect(limited).toHaveLength(13);
    const hot = limited.find((s) => s.memoryPercent === 95.3);
    expect(hot?.memoryLimitBytes).toBe(4 * 1024 ** 3);
    expect(hot?.memoryUsedBytes).toBe(Math.round(3.812 * 1024 ** 3));
    expect(limited[0]).toMatchObject({ netRxBytes: 2_770_000_000, netTxBytes: 56_300_000_000 });
    const [nginx] = parseDockerStats(read('docker_ps_json', 'dockerdocs_stats_nginx.jsonl'));
    expect(nginx).toMatchObject({ blockReadBytes: 0, blockWriteBytes: 13_300, netRxBytes: 539_000, pids: 2 });
  });

  it('zpool status: every file, sane pools', () => {
    for (const [name, text] of files('zpool', (n) => n.startsWith('status'))) {
      const pools = parseZpoolStatus(text);
      expect(pools, name).toHaveLength(1);
      const p = pools[0];
      expect(p?.config.pool?.name, name).toBe(p?.name);
      expect(p?.config.pool?.children.length, name).toBeGreaterThan(0);
      expect(p?.errors, name).not.toBeNull();
      expect(p?.scan, name).not.toBeNull();
    }
    const [resilvering] = parseZpoolStatus(read('zpool', 'status_himm_resilvering_degraded.txt'));
    expect(resilvering?.state).toBe('DEGRADED');
    expect(resilvering?.scan).toMatchObject({ kind: 'resilver', state: 'in-progress', resilvered: '72.2M', percentDone: 0.01 });
    const all = resilvering?.config.pool ? walk(resilvering.config.pool) : [];
    expect(all.find((v) => v.name === 'replacing-0')?.children.map((c) => [c.state, c.note])).toEqual([
      ['UNAVAIL', 'was /dev/disk/by-id/ata-TOSHIBA_DT01ACA300_365XDT3KS'],
      ['ONLINE', '(resilvering)'],
    ]);
    expect(all.filter((v) => v.resilvering).map((v) => v.name)).toEqual(['sdd']);

    const [cksum] = parseZpoolStatus(read('zpool', 'status_himm_cksum_error.txt'));
    expect(cksum?.state).toBe('ONLINE');
    expect(cksum?.see).toBe('http://zfsonlinux.org/msg/ZFS-8000-9P');
    expect(cksum?.scan).toMatchObject({ kind: 'resilver', state: 'finished', resilvered: '1.14M', errors: 0 });
    const disks = cksum?.config.pool ? walk(cksum.config.pool) : [];
    expect(disks.filter((v) => (v.checksumErrors ?? 0) > 0).map((v) => [v.name, v.checksumErrors])).toEqual([
      ['ata-TOSHIBA_DT01ACA300_365XDT3KS', 2],
    ]);

    const [solaris] = parseZpoolStatus(read('zpool', 'status_jc_degraded_solaris.txt'));
    expect(solaris?.scan).toMatchObject({ kind: null, state: 'none' });
    const solarisVdevs = solaris?.config.pool ? walk(solaris.config.pool) : [];
    expect(solarisVdevs.find((v) => v.name === 'c1t1d0')?.note).toBe('cannot open');

    const [unavail] = parseZpoolStatus(read('zpool', 'status_jc_unavail_permanent_errors.txt'));
    expect(unavail?.state).toBe('UNAVAIL');
    expect(unavail?.config.pool?.note).toBe('insufficient replicas');
    expect(unavail?.config.pool?.children[1]).toMatchObject({ name: 'c1t1d0', readErrors: 4, writeErrors: 1, checksumErrors: 0 });
    expect(unavail?.errors).toEqual({
      text: 'Permanent errors have been detected in the following files:',
      count: 3,
      files: ['/tank/data/aaa', '/tank/data/bbb', '/tank/data/ccc'],
    });
    expect(unavail?.scan).toMatchObject({ kind: 'scrub', state: 'finished', errors: 0 });

    const [features] = parseZpoolStatus(read('zpool', 'status_jc_online_2mirrors_features.txt'));
    expect(features?.config.pool?.children.map((v) => [v.name, v.children.length])).toEqual([
      ['mirror-0', 2],
      ['mirror-1', 2],
    ]);
    expect(features?.scan).toMatchObject({ kind: 'scrub', state: 'finished', repaired: '0B', errors: 0 });
    expect(features?.action).toContain('zpool-features(7)');
  });

  it('zpool list: every file, sane pools and vdevs', () => {
    for (const [name, text] of files('zpool', (n) => n.startsWith('list'))) {
      const pools = parseZpoolList(text);
      expect(pools.length, name).toBeGreaterThan(0);
      for (const p of pools) {
        if (p.sizeBytes === null) continue;
        expect(p.allocBytes ?? -1, name).toBeGreaterThanOrEqual(0);
        expect(p.allocBytes ?? Infinity, name).toBeLessThanOrEqual(p.sizeBytes);
        expect(p.freeBytes ?? Infinity, name).toBeLessThanOrEqual(p.sizeBytes);
        expect(p.capacityPercent, name).toBeGreaterThanOrEqual(0);
      }
    }
    const faulted = parseZpoolList(read('zpool', 'list_netdata_faulted.txt'));
    expect(faulted.map((p) => [p.name, p.health, p.capacityPercent])).toEqual([
      ['rpool', 'ONLINE', 42],
      ['zion', 'FAULTED', null],
    ]);
    expect(faulted[1]?.sizeBytes).toBeNull();
    const [degraded] = parseZpoolList(read('zpool', 'list_vdev_netdata_degraded_logs_cache.txt'));
    expect(degraded?.health).toBe('DEGRADED');
    expect(degraded?.vdevs.map((v) => [v.class, v.depth, v.name, v.health])).toEqual([
      ['data', 1, 'mirror-0', 'ONLINE'],
      ['data', 2, 'sdc2', 'ONLINE'],
      ['data', 2, 'sdd2', 'ONLINE'],
      ['logs', 1, 'mirror-1', 'DEGRADED'],
      ['logs', 2, 'sdb1', 'ONLINE'],
      ['logs', 2, '14807975228228307538', 'UNAVAIL'],
      ['cache', 1, 'sdb2', 'ONLINE'],
      ['cache', 1, 'wwn-0x500151795954c095-part2', 'UNAVAIL'],
    ]);
  });

  it('nginx: every conf, SWAG upstreams resolved to concrete URLs', () => {
    const all = (ls: NginxLocation[]): NginxLocation[] => ls.flatMap((l) => [l, ...all(l.locations)]);
    for (const [name, text] of files('nginx_swag')) {
      const conf = parseNginxConf(text);
      expect(conf.servers.length + conf.locations.length + conf.upstreams.length + conf.includes.length, name).toBeGreaterThan(0);
      const locations = [...conf.locations, ...conf.servers.flatMap((s) => all(s.locations))];
      if (name.includes('.subdomain.')) {
        expect(conf.servers, name).toHaveLength(1);
        const s = conf.servers[0];
        expect(s?.ssl, name).toBe(true);
        expect(s?.listen.map((l) => [l.address, l.port]), name).toEqual([
          [null, 443],
          ['::', 443],
        ]);
        expect(s?.serverNames[0], name).toMatch(/^[a-z]+\.\*$/);
      }
      if (name.endsWith('.sample')) {
        for (const l of locations.filter((x) => x.proxyPass !== null)) {
          expect(l.upstream, `${name} ${l.path}`).toMatch(/^https?:\/\/[a-z]+:[0-9]+$/);
        }
      }
    }
    const plex = parseNginxConf(read('nginx_swag', 'plex.subdomain.conf.sample')).servers[0];
    expect(plex?.locations.map((l) => [l.path, l.upstream])).toEqual([
      ['/', 'http://plex:32400'],
      ['/library/streams/', 'http://plex:32400'],
    ]);
    const nextcloud = parseNginxConf(read('nginx_swag', 'nextcloud.subdomain.conf.sample')).servers[0];
    expect(nextcloud?.locations[0]?.upstream).toBe('https://nextcloud:443');
    const ha = parseNginxConf(read('nginx_swag', 'homeassistant.subdomain.conf.sample')).servers[0];
    expect(ha?.locations[1]).toMatchObject({ modifier: '~', path: '^/(api|local|media)/', upstream: 'http://homeassistant:8123' });
    const pihole = parseNginxConf(read('nginx_swag', 'pihole.subfolder.conf.sample'));
    expect(pihole.servers).toEqual([]);
    expect(pihole.locations.map((l) => [l.modifier, l.path, l.upstream ?? l.return])).toEqual([
      [null, '/pihole', '301 $scheme://$host/pihole/'],
      ['^~', '/pihole/', 'http://pihole:80'],
      [null, '/pihole/admin', '301 $scheme://$host/pihole/admin/'],
      ['^~', '/pihole/admin/', 'http://pihole:80'],
    ]);
    const lb = parseNginxConf(read('nginx_swag', 'plain_upstream_loadbalancer.conf'));
    expect(lb.upstreams).toEqual([{ line: 1, name: 'loadbalancer', servers: ['web1:5000', 'web2:5000'] }]);
    expect(lb.servers[0]?.locations[0]?.upstream).toBe('http://loadbalancer');
    const main = parseNginxConf(read('nginx_swag', 'plain_nginx_main_http.conf'));
    expect(main.servers).toEqual([]);
    expect(main.includes).toEqual(['/etc/nginx/mime.types', '/etc/nginx/conf.d/*.conf']);
  });

  it('compose: every file, services with images or builds, no env values', () => {
    for (const [name, text] of files('compose')) {
      const c = parseComposeFile(text);
      expect(c.services.length, name).toBeGreaterThan(0);
      for (const s of c.services) {
        expect(s.image !== null || s.build !== null, `${name} ${s.name}`).toBe(true);
        for (const k of s.environmentKeys) expect(k, name).toMatch(/^[A-Za-z_][A-Za-z0-9_.]*$/);
      }
    }
    const sentry = parseComposeFile(read('compose', 'sentry_selfhosted_anchors_profiles.yml'));
    expect(sentry.services).toHaveLength(57);
    expect(sentry.services.filter((s) => s.profiles.length > 0)).toHaveLength(29);
    const web = sentry.services.find((s) => s.name === 'web');
    expect(web?.restart).toBe('unless-stopped');
    expect(web?.dependsOn).toContainEqual({ service: 'redis', condition: 'service_healthy' });
    expect(web?.dependsOn).toContainEqual({ service: 'memcached', condition: 'service_started' });
    expect(sentry.volumes.find((v) => v.name === 'sentry-data')?.external).toBe(true);

    const immich = parseComposeFile(read('compose', 'immich_docker-compose.yml'));
    expect(immich.name).toBe('immich');
    const db = immich.services.find((s) => s.name === 'database');
    expect(db?.environmentKeys).toEqual(['POSTGRES_PASSWORD', 'POSTGRES_USER', 'POSTGRES_DB', 'POSTGRES_INITDB_ARGS']);
    expect(JSON.stringify(immich)).not.toContain('--data-checksums');
    expect(immich.services.find((s) => s.name === 'immich-server')?.envFiles).toEqual(['.env']);

    const pihole = parseComposeFile(read('compose', 'awesome_pihole-cloudflared.yaml'));
    expect(pihole.version).toBe('3.7');
    expect(pihole.services.find((s) => s.name === 'pihole')?.ports.map((p) => `${p.published}:${p.target}/${p.protocol}`)).toEqual([
      '53:53/tcp',
      '53:53/udp',
      '67:67/udp',
      '8080:80/tcp',
      '8443:443/tcp',
    ]);
    const plex = parseComposeFile(read('compose', 'awesome_plex.yaml')).services[0];
    expect(plex?.networkMode).toBe('host');
    expect(plex?.ports).toEqual([]);
    const traefik = parseComposeFile(read('compose', 'swarm_traefik_longform_ports.yml')).services[0];
    expect(traefik?.ports.map((p) => [p.published, p.target, p.mode])).toEqual([
      ['80', '80', 'host'],
      ['443', '443', 'host'],
    ]);
    const ngp = parseComposeFile(read('compose', 'awesome_nginx-golang-postgres.yaml'));
    expect(ngp.services.find((s) => s.name === 'backend')?.dependsOn).toEqual([{ service: 'db', condition: 'service_healthy' }]);
    expect(ngp.services.find((s) => s.name === 'proxy')?.volumes).toEqual([
      { raw: null, type: 'bind', source: './proxy/nginx.conf', target: '/etc/nginx/conf.d/default.conf', readOnly: true },
    ]);
    const elk = parseComposeFile(read('compose', 'awesome_elk.yaml'));
    expect(elk.services[0]?.environmentKeys).toEqual(['discovery.type', 'ES_JAVA_OPTS']);
  });

  it('systemd unit files: every file, a description and an ExecStart', () => {
    for (const [name, text] of files('systemd', (n) => n.endsWith('.service'))) {
      const u = parseSystemdUnit(text);
      expect(u.sections.Unit?.Description?.length, name).toBe(1);
      expect(u.sections.Service?.ExecStart?.length, name).toBe(1);
      expect(u.sections.Install?.WantedBy, name).toEqual(['multi-user.target']);
    }
    expect(parseSystemdUnit(read('systemd', 'docker.service')).sections.Service?.Type).toEqual(['notify']);
    expect(parseSystemdUnit(read('systemd', 'containerd.service')).sections.Service?.ExecStartPre).toEqual(['-/sbin/modprobe overlay']);
    expect(parseSystemdUnit(read('systemd', 'node_exporter.service')).sections.Service?.Environment).toEqual(['OPTIONS=']);
    expect(parseSystemdUnit(read('systemd', 'syncthing@.service')).sections.Service?.SuccessExitStatus).toEqual(['3 4']);
  });

  it('systemctl list-units: every table, unit count matches the footer', () => {
    for (const [name, text] of files('systemd', (n) => n.startsWith('systemctl'))) {
      const units = parseSystemctlUnits(text);
      // eslint-disable-next-line no-control-regex
      const footer = /([0-9]+) loaded units listed/.exec(text.replace(/\u001b\[[0-9;]*m/g, ''));
      expect(footer, name).not.toBeNull();
      expect(units.length, name).toBe(Number(footer?.[1]));
      for (const u of units) expect(u.unit, name).toMatch(/\.[a-z]+$/);
    }
    const rhel = parseSystemctlUnits(read('systemd', 'systemctl_services_rhel7_failed_ansi.txt'));
    expect(rhel.filter((u) => u.active === 'failed')).toEqual([
      { unit: 'sidekiq.service', load: 'loaded', active: 'failed', sub: 'failed', description: 'sidekiq' },
    ]);
    expect(rhel.find((u) => u.unit === 'systemd-user-sessions.service')).toMatchObject({ active: 'active', sub: 'exited' });
    const centos = parseSystemctlUnits(read('systemd', 'systemctl_list-units_centos77_all.txt'));
    expect(centos.find((u) => u.unit === 'ntpd.service')).toMatchObject({ load: 'not-found', active: 'inactive', sub: 'dead' });
    const arch = parseSystemctlUnits(read('systemd', 'systemctl_running_arch_newlegend.txt'));
    expect(arch.every((u) => u.active === 'active' && u.sub === 'running')).toBe(true);
  });
});
