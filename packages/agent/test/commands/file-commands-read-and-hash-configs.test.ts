import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { proxyConfigsCommand, type ProxyConfigsResult } from '../../src/registry/builtin/services-proxy-configs.js';
import { dockerComposeCommand, type DockerComposeResult } from '../../src/registry/builtin/services-docker-compose.js';
import { sha256Of } from '../../src/registry/builtin/services-file-collect.js';
import { fixture } from '../parse/services-fixtures.js';
import { makeStubHost, type StubHost } from './services-stub-host.js';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

describe('proxy_configs and docker_compose read real files through sh', () => {
  let host: StubHost;
  let confs: string;
  let sites: string;
  let stacks: string;
  beforeAll(() => {
    host = makeStubHost();
    confs = path.join(host.root, 'swag', 'proxy-confs');
    sites = path.join(host.root, 'nginx', 'sites');
    stacks = path.join(host.root, 'stacks');
    write(path.join(confs, 'jellyfin.subdomain.conf'), fixture('nginx', 'swag-jellyfin.subdomain.conf'));
    write(path.join(confs, 'grafana.subfolder.conf'), fixture('nginx', 'swag-grafana.subfolder.conf'));
    write(path.join(confs, 'plex.subdomain.conf.sample'), 'server { listen 443 ssl; }\n');
    write(path.join(confs, 'broken.subdomain.conf'), fixture('nginx', 'unbalanced-open.conf'));
    write(path.join(sites, 'default site.conf'), fixture('nginx', 'plain-multi-server.conf'));
    write(path.join(sites, 'nested', 'deep.conf'), 'server { listen 81; }\n');
    write(path.join(stacks, 'media', 'compose.yaml'), fixture('compose', 'media-stack.compose.yaml'));
    write(path.join(stacks, 'nextcloud', 'docker-compose.yml'), fixture('compose', 'legacy-v2.docker-compose.yml'));
    write(path.join(stacks, 'broken', 'compose.yml'), fixture('compose', 'invalid-yaml.yml'));
    write(path.join(stacks, 'media', 'notes.yaml'), 'services: {}\n');
    write(path.join(stacks, 'a', 'b', 'c', 'compose.yaml'), 'services: {}\n');
  });
  afterAll(() => host.cleanup());

  const missing = () => path.join(host.root, 'does-not-exist');

  it('proxy_configs parses each *.conf (not *.sample), one entry per file, with sha256 hashes', () => {
    const out = host.run(proxyConfigsCommand, { dirs: [confs, sites, missing()], maxDepth: 1, maxFiles: 300, maxFileBytes: 262144 });
    expect(out.exitCode).toBe(0);
    const r = proxyConfigsCommand.parse(out) as ProxyConfigsResult;
    expect(r.existingDirs).toEqual([confs, sites]);
    expect(r.truncated).toBe(false);
    expect(r.files.map((f) => path.relative(host.root, f.path))).toEqual([
      'swag/proxy-confs/broken.subdomain.conf',
      'swag/proxy-confs/grafana.subfolder.conf',
      'swag/proxy-confs/jellyfin.subdomain.conf',
      'nginx/sites/default site.conf',
    ]);
    const jellyfin = r.files[2];
    const text = fixture('nginx', 'swag-jellyfin.subdomain.conf');
    expect(jellyfin?.hash).toBe(sha256Of(text));
    expect(jellyfin?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(jellyfin?.sizeBytes).toBe(Buffer.byteLength(text));
    expect(jellyfin?.parsed?.servers[0]?.locations[0]?.upstream).toBe('http://jellyfin:8096');
    expect(r.files[3]?.parsed?.servers).toHaveLength(3);
    expect(r.routes).toContainEqual({ path: r.files[1]?.path, serverNames: [], location: '^~ /grafana/', upstream: 'http://192.168.1.20:3000' });
  });

  it('a file that does not parse is reported in its entry and does not fail the command', () => {
    const r = proxyConfigsCommand.parse(host.run(proxyConfigsCommand, { dirs: [confs] })) as ProxyConfigsResult;
    const broken = r.files.find((f) => f.path.endsWith('broken.subdomain.conf'));
    expect(broken?.parsed).toBeNull();
    expect(broken?.parseError).toMatch(/^nginx-conf: line 1: unbalanced braces/);
    expect(broken?.hash).toMatch(/^sha256:/);
    expect(r.files.filter((f) => f.parsed !== null)).toHaveLength(2);
  });

  it('files() lists path and hash, and a changed file changes its hash', () => {
    const params = { dirs: [confs] };
    const before = proxyConfigsCommand.files?.(proxyConfigsCommand.parse(host.run(proxyConfigsCommand, params))) ?? [];
    expect(before).toHaveLength(3);
    const target = path.join(confs, 'grafana.subfolder.conf');
    write(target, fixture('nginx', 'swag-grafana.subfolder.conf').replace('3000', '3001'));
    const after = proxyConfigsCommand.files?.(proxyConfigsCommand.parse(host.run(proxyConfigsCommand, params))) ?? [];
    const hashOf = (list: typeof before) => list.find((f) => f.path === target)?.hash;
    expect(hashOf(after)).toMatch(/^sha256:/);
    expect(hashOf(after)).not.toBe(hashOf(before));
    const others = (list: typeof before) => list.filter((f) => f.path !== target);
    expect(others(after)).toEqual(others(before));
  });

  it('caps the file count and per-file size, and looks deeper with maxDepth', () => {
    const capped = proxyConfigsCommand.parse(host.run(proxyConfigsCommand, { dirs: [confs, sites], maxFiles: 2 })) as ProxyConfigsResult;
    expect(capped.files).toHaveLength(2);
    expect(capped.truncated).toBe(true);
    const bigDir = path.join(host.root, 'big');
    const bigText = `# ${'x'.repeat(5000)}\nserver { listen 80; }\n`;
    write(path.join(bigDir, 'big.conf'), bigText);
    const small = proxyConfigsCommand.parse(host.run(proxyConfigsCommand, { dirs: [bigDir], maxFileBytes: 1024 })) as ProxyConfigsResult;
    expect(small.files[0]).toMatchObject({ hash: null, parsed: null, parseError: null });
    expect(small.files[0]?.readError).toMatch(/over maxFileBytes/);
    expect(small.files[0]?.sizeBytes).toBe(Buffer.byteLength(bigText));
    expect(proxyConfigsCommand.files?.(small)).toEqual([]);
    const deep = proxyConfigsCommand.parse(host.run(proxyConfigsCommand, { dirs: [sites], maxDepth: 2 })) as ProxyConfigsResult;
    expect(deep.files.map((f) => path.basename(f.path))).toEqual(['default site.conf', 'deep.conf']);
  });

  it('a host with none of the dirs gives an empty list', () => {
    const r = proxyConfigsCommand.parse(host.run(proxyConfigsCommand, { dirs: [missing()] })) as ProxyConfigsResult;
    expect(r).toEqual({ existingDirs: [], files: [], truncated: false, routes: [] });
  });

  it('shell metacharacters and glob characters in a dir never execute or expand', () => {
    const marker = path.join(host.root, 'PWNED');
    const evil = path.join(host.root, `evil $(touch ${marker}) \`touch ${marker}\` ; touch ${marker} it's`);
    const star = path.join(host.root, 'star*dir');
    write(path.join(evil, 'x.conf'), 'server { listen 82; }\n');
    write(path.join(host.root, 'starXdir', 'y.conf'), 'server { listen 83; }\n');
    mkdirSync(star);
    write(path.join(host.root, 'weird', 'new\nline.conf'), 'server { listen 84; }\n');
    const r = proxyConfigsCommand.parse(
      host.run(proxyConfigsCommand, { dirs: [evil, star, path.join(host.root, 'weird')] }),
    ) as ProxyConfigsResult;
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(host.root)).not.toContain('PWNED');
    expect(r.existingDirs).toEqual([evil, star, path.join(host.root, 'weird')]);
    expect(r.files.map((f) => [f.path, f.parsed?.servers[0]?.listen[0]?.port])).toEqual([
      [path.join(evil, 'x.conf'), 82],
      [path.join(host.root, 'weird', 'new\nline.conf'), 84],
    ]);
  });

  it('docker_compose finds compose files by name at depth, parses each, keeps env values out', () => {
    const out = host.run(dockerComposeCommand, { dirs: [stacks, missing()], maxDepth: 3, maxFiles: 200, maxFileBytes: 524288 });
    const r = dockerComposeCommand.parse(out) as DockerComposeResult;
    expect(r.existingDirs).toEqual([stacks]);
    const byRel = new Map(r.files.map((f) => [path.relative(stacks, f.path), f]));
    expect([...byRel.keys()].sort()).toEqual(['broken/compose.yml', 'media/compose.yaml', 'nextcloud/docker-compose.yml']);
    expect(byRel.get('broken/compose.yml')?.parseError).toMatch(/^compose-file: invalid YAML/);
    expect(byRel.get('media/compose.yaml')?.parsed?.services.map((s) => s.name)).toEqual(['jellyfin', 'sonarr', 'backup']);
    expect(byRel.get('nextcloud/docker-compose.yml')?.parsed?.version).toBe('2.4');
    expect(JSON.stringify(r)).not.toContain('hunter2');
    const withDeep = dockerComposeCommand.parse(host.run(dockerComposeCommand, { dirs: [stacks], maxDepth: 4 })) as DockerComposeResult;
    expect(withDeep.files.map((f) => path.relative(stacks, f.path))).toContain(path.join('a', 'b', 'c', 'compose.yaml'));
    expect(dockerComposeCommand.files?.(r).map((f) => f.path)).toEqual(r.files.map((f) => f.path));
  });

  it('files() ignores values that are not a file-command result', () => {
    expect(proxyConfigsCommand.files?.(null)).toEqual([]);
    expect(proxyConfigsCommand.files?.({ files: [{ path: 1, hash: 'x' }, 'nope'] })).toEqual([]);
  });
});
