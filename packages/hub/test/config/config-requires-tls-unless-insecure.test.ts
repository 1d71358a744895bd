import { describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../src/config/load-hub-config.js';

describe('plain ws only when configured explicitly', () => {
  it('refuses to start without tls unless insecure: true', () => {
    expect(() => parseHubConfig('agents: []\n', 'hub.yaml')).toThrow(/tls .* is required; .* insecure: true/);
    expect(() => parseHubConfig('insecure: false\n', 'hub.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(parseHubConfig('insecure: true\n', 'hub.yaml').tls).toBeUndefined();
  });

  it('accepts tls with both files, resolved against the config folder', () => {
    const config = parseHubConfig('tls: { certFile: certs/hub.crt, keyFile: /abs/hub.key }\n', '/etc/infra/hub.yaml');
    expect(config.tls).toEqual({ certFile: '/etc/infra/certs/hub.crt', keyFile: '/abs/hub.key' });
    expect(config.insecure).toBe(false);
    expect(() => parseHubConfig('tls: { certFile: hub.crt }\n', 'hub.yaml')).toThrow(/tls.keyFile .*required key is missing/);
  });
});
