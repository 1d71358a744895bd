import { describe, it, expect } from 'vitest';
import { parseNginxConf } from '../../src/parse/nginx-conf.js';
import { tokenizeNginx } from '../../src/parse/nginx-tokenize.js';
import { fixture, expectParseFailed } from './services-fixtures.js';

describe('nginx-conf parser', () => {
  it('reads a SWAG subdomain conf: listens, names, ssl, includes', () => {
    const conf = parseNginxConf(fixture('nginx', 'swag-jellyfin.subdomain.conf'));
    expect(conf.servers).toHaveLength(1);
    const s = conf.servers[0];
    if (!s) throw new Error('no server');
    expect(s.serverNames).toEqual(['jellyfin.*', 'media.example.org']);
    expect(s.listen.map((l) => [l.address, l.port, l.ipv6, l.ssl, l.quic])).toEqual([
      [null, 443, false, true, false],
      ['::', 443, true, true, false],
      [null, 443, false, false, true],
    ]);
    expect(s.ssl).toBe(true);
    expect(s.http2).toBe(true);
    expect(s.sslCertificate).toBeNull();
    expect(s.includes).toEqual(['/config/nginx/ssl.conf']);
    expect(s.variables).toEqual({ upstream_app: 'jellyfin', upstream_port: '8096', upstream_proto: 'http' });
    expect(conf.includes).toEqual([
      '/config/nginx/ssl.conf',
      '/config/nginx/proxy.conf',
      '/config/nginx/resolver.conf',
      '/config/nginx/proxy.conf',
    ]);
  });

  it('resolves SWAG upstream variables: server-level, overridden per location, ${braced}', () => {
    const s = parseNginxConf(fixture('nginx', 'swag-jellyfin.subdomain.conf')).servers[0];
    const locs = s?.locations ?? [];
    expect(locs.map((l) => [l.modifier, l.path, l.upstream])).toEqual([
      [null, '/', 'http://jellyfin:8096'],
      ['~', '(/jellyfin)?/socket', 'https://jellyfin:8920'],
      ['=', '/robots.txt', null],
      [null, '/metrics', null],
    ]);
    expect(locs[0]?.proxyPass).toBe('$upstream_proto://$upstream_app:$upstream_port');
    expect(locs[1]?.variables).toEqual({ upstream_app: 'jellyfin', upstream_port: '8920', upstream_proto: 'https' });
    expect(locs[1]?.proxyPass).toBe('${upstream_proto}://${upstream_app}:${upstream_port}');
    expect(locs[2]?.return).toBe("200 User-agent: *\nDisallow: /\n");
    // $metrics_host is never set: no concrete upstream, raw proxy_pass kept.
    expect(locs[3]?.proxyPass).toBe('http://$metrics_host:9100');
  });

  it('reads a SWAG subfolder conf (locations without a server)', () => {
    const conf = parseNginxConf(fixture('nginx', 'swag-grafana.subfolder.conf'));
    expect(conf.servers).toEqual([]);
    expect(conf.locations.map((l) => [l.modifier, l.path, l.upstream])).toEqual([['^~', '/grafana/', 'http://192.168.1.20:3000']]);
  });

  it('reads a plain nginx with several servers, an upstream block and nested locations', () => {
    const conf = parseNginxConf(fixture('nginx', 'plain-multi-server.conf'));
    expect(conf.upstreams).toEqual([{ line: 1, name: 'app_pool', servers: ['10.0.0.11:8080', '10.0.0.12:8080', 'unix:/run/app.sock'] }]);
    expect(conf.servers.map((s) => [s.line, s.serverNames, s.ssl])).toEqual([
      [7, ['_'], false],
      [14, ['example.org', 'www.example.org'], true],
      [33, ['status.local'], false],
    ]);
    const [redirect, main, status] = conf.servers;
    expect(redirect?.listen.map((l) => [l.address, l.port, l.defaultServer])).toEqual([
      [null, 80, true],
      ['::', 80, true],
    ]);
    expect(redirect?.return).toBe('301 https://$host$request_uri');
    expect(main?.listen.map((l) => [l.address, l.port, l.ssl, l.http2])).toEqual([
      [null, 443, true, true],
      ['::1', 8443, true, false],
    ]);
    expect(main?.http2).toBe(true);
    expect(main?.sslCertificate).toBe('/etc/letsencrypt/live/example.org/fullchain.pem');
    expect(main?.locations[0]?.upstream).toBe('http://app_pool');
    expect(main?.locations[1]?.locations.map((l) => [l.modifier, l.path])).toEqual([['~*', '\\.(css|js)$']]);
    expect(status?.listen[0]).toMatchObject({ address: '127.0.0.1', port: 8081 });
    expect(status?.locations[0]?.path).toBe('/nginx_status');
  });

  it('tokenizes like nginx: quotes, escapes, comments only at word start, ${var} braces', () => {
    const words = tokenizeNginx('a "b c" \'d\\\'e\' f#g # comment ; h\n; h ${x}y { }\n').map((t) => t.text);
    expect(words).toEqual(['a', 'b c', "d'e", 'f#g', ';', 'h', '${x}y', '{', '}']);
    expect(tokenizeNginx('a\n"multi\nline"\nb;').map((t) => [t.text, t.line])).toEqual([
      ['a', 1],
      ['multi\nline', 2],
      ['b', 4],
      [';', 4],
    ]);
  });

  it('reads an empty or comment-only file as an empty conf', () => {
    expect(parseNginxConf('')).toEqual({ servers: [], locations: [], upstreams: [], includes: [] });
    expect(parseNginxConf('# only a comment\n').servers).toEqual([]);
  });

  it('rejects unbalanced braces and broken quoting with the line number', () => {
    expectParseFailed(() => parseNginxConf(fixture('nginx', 'unbalanced-open.conf')), 'nginx-conf', /line 1: unbalanced braces: block "server" is not closed/);
    expectParseFailed(() => parseNginxConf(fixture('nginx', 'unbalanced-close.conf')), 'nginx-conf', /line 4: unbalanced braces: "}" without an open block/);
    expectParseFailed(() => parseNginxConf(fixture('nginx', 'unterminated-quote.conf')), 'nginx-conf', /line 3: unterminated double-quoted string/);
    expectParseFailed(() => parseNginxConf('server { listen 80 }\n'), 'nginx-conf', /line 1: unexpected "}"/);
    expectParseFailed(() => parseNginxConf('worker_processes auto'), 'nginx-conf', /unexpected end of file/);
    expectParseFailed(() => parseNginxConf('a "b"c;'), 'nginx-conf', /after a quoted string/);
    expectParseFailed(() => parseNginxConf('server {\n ;\n}'), 'nginx-conf', /line 2: unexpected ";"/);
  });
});
