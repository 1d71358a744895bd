import { describe, it, expect } from 'vitest';
import { parseComposeFile, type ComposeService } from '../../src/parse/compose-file.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

function svc(services: ComposeService[], name: string): ComposeService {
  const s = services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

describe('compose-file parser', () => {
  const media = parseComposeFile(fixture('compose', 'media-stack.compose.yaml'));

  it('reads a file without version, with a project name, skipping x- fields', () => {
    expect(media.version).toBeNull();
    expect(media.name).toBe('media');
    expect(media.services.map((s) => s.name)).toEqual(['jellyfin', 'sonarr', 'backup']);
  });

  it('applies merge keys and anchors (single and list merges, nested maps)', () => {
    const jellyfin = svc(media.services, 'jellyfin');
    expect(jellyfin.restart).toBe('unless-stopped');
    expect(jellyfin.networks).toEqual(['media']);
    expect(jellyfin.environmentKeys).toEqual(['TZ', 'PUID', 'PGID']);
    const sonarr = svc(media.services, 'sonarr');
    expect(sonarr.restart).toBe('unless-stopped');
    expect(sonarr.environmentKeys).toEqual(['TZ', 'PUID', 'PGID', 'SONARR__AUTH__APIKEY']);
  });

  it('reads short and long port syntax, IPv6 host ips, ranges and protocols', () => {
    expect(svc(media.services, 'jellyfin').ports).toEqual([
      { raw: '8096:8096', hostIp: null, published: '8096', target: '8096', protocol: 'tcp', mode: null },
      { raw: '127.0.0.1:8920:8920/tcp', hostIp: '127.0.0.1', published: '8920', target: '8920', protocol: 'tcp', mode: null },
      { raw: '[::1]:7359:7359/udp', hostIp: '::1', published: '7359', target: '7359', protocol: 'udp', mode: null },
      { raw: null, hostIp: null, published: '1900', target: '1900', protocol: 'udp', mode: 'host' },
      { raw: '9000-9010:9000-9010', hostIp: null, published: '9000-9010', target: '9000-9010', protocol: 'tcp', mode: null },
    ]);
  });

  it('reads short and long volume syntax, including interpolated sources', () => {
    expect(svc(media.services, 'jellyfin').volumes.map((v) => [v.type, v.source, v.target, v.readOnly])).toEqual([
      ['bind', '/srv/media', '/media', true],
      ['volume', 'jellyfin-config', '/config', false],
      ['bind', './cache', '/cache', false],
      ['bind', '${TRANSCODE_DIR:-/tmp/transcode}', '/transcode', false],
      ['bind', '/dev/dri', '/dev/dri', true],
      ['volume', null, '/scratch', false],
    ]);
  });

  it('keeps environment keys only, never values, in list and map form', () => {
    const backup = svc(media.services, 'backup');
    expect(backup.environmentKeys).toEqual(['RESTIC_PASSWORD', 'RESTIC_REPOSITORY', 'AWS_ACCESS_KEY_ID']);
    const json = JSON.stringify(media);
    for (const secret of ['hunter2', 's3cr3t-api-key', 'AKIA0000', 'Europe/Berlin']) expect(json).not.toContain(secret);
  });

  it('reads env_file, depends_on (map and list), profiles, healthcheck and network_mode', () => {
    const sonarr = svc(media.services, 'sonarr');
    expect(sonarr.envFiles).toEqual(['./sonarr.env', './optional.env']);
    expect(sonarr.dependsOn).toEqual([{ service: 'jellyfin', condition: 'service_healthy' }]);
    expect(sonarr.profiles).toEqual(['arr', 'full']);
    const backup = svc(media.services, 'backup');
    expect(backup.dependsOn).toEqual([{ service: 'sonarr', condition: null }]);
    expect(backup.profiles).toEqual(['backup']);
    expect(backup.networkMode).toBe('host');
    expect(backup.healthcheck).toMatchObject({ testKind: 'CMD-SHELL', disabled: true });
    expect(svc(media.services, 'jellyfin').healthcheck).toEqual({
      testKind: 'CMD',
      interval: '30s',
      timeout: '5s',
      retries: 3,
      startPeriod: '1m',
      disabled: false,
    });
  });

  it('reads top-level networks and volumes', () => {
    expect(media.networks).toEqual([
      { name: 'media', external: false, driver: 'bridge' },
      { name: 'proxy', external: true, driver: null },
    ]);
    expect(media.volumes).toEqual([
      { name: 'jellyfin-config', external: false, driver: null },
      { name: 'restic-cache', external: false, driver: 'local' },
    ]);
  });

  it('reads a legacy version 2 file with build shorthand and unquoted ports', () => {
    const legacy = parseComposeFile(fixture('compose', 'legacy-v2.docker-compose.yml'));
    expect(legacy.version).toBe('2.4');
    const app = svc(legacy.services, 'app');
    expect(app.build).toEqual({ context: './app', dockerfile: null, target: null });
    expect(app.ports.map((p) => [p.published, p.target])).toEqual([
      ['8080', '80'],
      [null, '8443'],
    ]);
    expect(svc(legacy.services, 'db').environmentKeys).toEqual(['MYSQL_ROOT_PASSWORD', 'MYSQL_DATABASE']);
    expect(JSON.stringify(legacy)).not.toContain('example');
    expect(legacy.volumes).toEqual([{ name: 'db', external: false, driver: null }]);
  });

  it('rejects invalid YAML, a non-mapping top level and services that are not a mapping', () => {
    expectParseFailed(() => parseComposeFile(fixture('compose', 'invalid-yaml.yml')), 'compose-file', /invalid YAML at line 6/);
    expectParseFailed(() => parseComposeFile(fixture('compose', 'top-level-list.yml')), 'compose-file', /top level: not a mapping/);
    expectParseFailed(() => parseComposeFile(fixture('compose', 'services-not-mapping.yml')), 'compose-file', /services: not a mapping/);
    expectParseFailed(() => parseComposeFile(''), 'compose-file', /not a mapping/);
    expectParseFailed(() => parseComposeFile('services:\n  web:\n    ports: "80:80"\n'), 'compose-file', /services\.web\.ports: expected a list/);
    expectParseFailed(() => parseComposeFile('a: 1\na: 2\n'), 'compose-file', /invalid YAML/);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (const [prev, cur] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) {
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expectParseFailed(() => parseComposeFile(`${levels.join('\n')}\nservices: {}\n`), 'compose-file', /cannot be resolved/);
  });
});
