import { describe, it, expect } from 'vitest';
import { parseDockerPs } from '../../src/parse/docker-ps.js';
import { parseDockerLabels } from '../../src/parse/docker-labels.js';
import { parsePortEntry } from '../../src/parse/docker-ports.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

describe('docker-ps parser', () => {
  const containers = parseDockerPs(fixture('docker', 'ps-homelab.jsonl'));
  const byName = (n: string) => {
    const c = containers.find((x) => x.names.includes(n));
    if (!c) throw new Error(`no container ${n}`);
    return c;
  };

  it('reads every container with its state and status', () => {
    expect(containers.map((c) => [c.names[0], c.state])).toEqual([
      ['swag', 'running'],
      ['media-worker-1', 'restarting'],
      ['old-postgres', 'exited'],
      ['homeassistant', 'running'],
      ['pihole', 'running'],
    ]);
    expect(byName('media-worker-1').status).toBe('Restarting (137) 8 seconds ago');
    expect(byName('swag').id).toMatch(/^3f1c9a7b2e4d[0-9a-f]{52}$/);
    expect(byName('swag').image).toBe('lscr.io/linuxserver/swag:latest');
  });

  it('parses IPv4 and IPv6 port mappings, old :::port form, ranges and exposed-only ports', () => {
    expect(byName('swag').ports.mappings).toEqual([
      { hostIp: '0.0.0.0', hostPort: 80, hostPortEnd: null, containerPort: 80, containerPortEnd: null, protocol: 'tcp' },
      { hostIp: '::', hostPort: 80, hostPortEnd: null, containerPort: 80, containerPortEnd: null, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 443, hostPortEnd: null, containerPort: 443, containerPortEnd: null, protocol: 'tcp' },
      { hostIp: '::', hostPort: 443, hostPortEnd: null, containerPort: 443, containerPortEnd: null, protocol: 'tcp' },
    ]);
    const pihole = byName('pihole').ports;
    expect(pihole.raw).toContain(':::53->53/udp');
    expect(pihole.mappings).toHaveLength(7);
    expect(pihole.mappings[1]).toMatchObject({ hostIp: '::', hostPort: 53, protocol: 'tcp' });
    expect(pihole.mappings[4]).toMatchObject({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 });
    expect(pihole.mappings[5]).toEqual({
      hostIp: '0.0.0.0',
      hostPort: 60000,
      hostPortEnd: 60010,
      containerPort: 60000,
      containerPortEnd: 60010,
      protocol: 'udp',
    });
    expect(pihole.mappings[6]).toEqual({
      hostIp: null,
      hostPort: null,
      hostPortEnd: null,
      containerPort: 443,
      containerPortEnd: null,
      protocol: 'tcp',
    });
  });

  it('host-network containers have no ports and the host network', () => {
    const ha = byName('homeassistant');
    expect(ha.networks).toEqual(['host']);
    expect(ha.ports).toEqual({ raw: '', mappings: [] });
    expect(ha.mounts).toEqual(['/srv/hass/config', '/run/dbus']);
    expect(byName('pihole').networks).toEqual(['dns_net', 'proxy_default']);
  });

  it('parses labels whose values contain = and commas', () => {
    expect(byName('homeassistant').labels['io.hass.url']).toBe('https://www.home-assistant.io/?ref=docker&lang=en');
    const worker = byName('media-worker-1').labels;
    expect(worker.description).toBe('Fetches, sorts, and tags files');
    expect(worker['com.docker.compose.service']).toBe('worker');
    const swag = byName('swag').labels;
    expect(swag['traefik.http.routers.swag.rule']).toBe('Host(`example.org`) || Host(`www.example.org`)');
    expect(swag.build_version).toBe('Linuxserver.io version:- 3.0.1 Build-date:- 2024-10-30');
    expect(byName('old-postgres').labels).toEqual({});
  });

  it('keeps a __proto__ label as a plain key', () => {
    const labels = parseDockerLabels('__proto__=x,a=b');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__', 'a']);
  });

  it('converts CreatedAt with its offset to epoch ms', () => {
    expect(byName('media-worker-1').createdAt).toBe('2024-11-06 21:03:10 +0100 CET');
    expect(byName('media-worker-1').createdAtMs).toBe(Date.UTC(2024, 10, 6, 20, 3, 10));
    expect(byName('homeassistant').createdAtMs).toBe(Date.UTC(2024, 10, 1, 17, 0, 0));
  });

  it('derives state from Status when the CLI prints no State', () => {
    const [web] = parseDockerPs(fixture('docker', 'ps-no-state-column.jsonl'));
    expect(web?.state).toBe('paused');
    expect(web?.id).toBe('0a1b2c3d4e5f');
  });

  it('reads empty output as no containers', () => {
    expect(parseDockerPs('')).toEqual([]);
    expect(parseDockerPs('\n')).toEqual([]);
  });

  it('rejects a truncated line, naming its line number', () => {
    expectParseFailed(() => parseDockerPs(fixture('docker', 'ps-truncated.jsonl')), 'docker-ps', /line 2 is not valid JSON/);
  });

  it('rejects objects that are not containers and unreadable ports', () => {
    expectParseFailed(() => parseDockerPs('{"hello":"world"}\n'), 'docker-ps', /line 1: field ID/);
    expectParseFailed(() => parseDockerPs('[1,2]\n'), 'docker-ps', /not a JSON object/);
    expectParseFailed(
      () => parseDockerPs('{"ID":"0a1b2c3d4e5f","Names":"x","Image":"i","Status":"Up","State":"running","Ports":"lots of ports"}'),
      'docker-ps',
      /port mapping/,
    );
    expect(parsePortEntry('0.0.0.0:99999->80/tcp')).toBeUndefined();
  });
});
