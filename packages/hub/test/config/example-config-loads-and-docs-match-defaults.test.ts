import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FANOUT_DEFAULTS, LIMITS_DEFAULTS, LISTEN_DEFAULTS, LOG_DEFAULTS, STORAGE_DEFAULTS } from '../../src/config/hub-config.js';
import { loadHubConfig, parseHubConfig, TOP_LEVEL_KEYS } from '../../src/config/load-hub-config.js';

const examplePath = fileURLToPath(new URL('../../../../examples/hub.yaml', import.meta.url));
const docs = readFileSync(new URL('../../../../docs/hub-configuration.md', import.meta.url), 'utf8');

function row(heading: string, key: string): string {
  const start = docs.indexOf(`\n## ${heading}\n`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const next = docs.indexOf('\n## ', start + 1);
  const line = docs
    .slice(start, next < 0 ? undefined : next)
    .split('\n')
    .find((l) => l.startsWith(`| \`${key}\` |`));
  expect(line, `${heading}: ${key}`).toBeDefined();
  return line as string;
}

describe('examples/hub.yaml and docs/hub-configuration.md', () => {
  it('the example loads, hashes its tokens and is deeply frozen', () => {
    const config = loadHubConfig(examplePath);
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 7400 });
    expect(config.tls?.certFile).toMatch(/examples\/certs\/hub\.crt$/);
    expect(config.agents.map((a) => [a.id, a.site])).toEqual([
      ['home-agent', 'home-lab'],
      ['office-agent', 'office'],
    ]);
    expect(config.subscribers.map((s) => [s.name, s.role, s.sites])).toEqual([
      ['dashboard', 'viewer', ['*']],
      ['home-admin', 'operator', ['home-lab']],
    ]);
    expect(JSON.stringify(config)).not.toContain('change-me');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.agents[0])).toBe(true);
    expect(Object.isFrozen(config.subscribers[0]?.sites)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('omitted sections get the documented defaults', () => {
    const config = parseHubConfig('insecure: true\n', '/srv/hub/hub.yaml');
    expect(config.listen).toEqual(LISTEN_DEFAULTS);
    expect(config.storage).toEqual({ ...STORAGE_DEFAULTS, path: '/srv/hub/infra-hub.db' });
    expect(config.limits).toEqual(LIMITS_DEFAULTS);
    expect(config.fanout).toEqual(FANOUT_DEFAULTS);
    expect(config.log).toEqual(LOG_DEFAULTS);
    expect(config.agents).toEqual([]);
  });

  it('the docs embed the example verbatim, list every top-level key and state the code defaults', () => {
    expect(docs).toContain('```yaml\n' + readFileSync(examplePath, 'utf8') + '```');
    for (const key of TOP_LEVEL_KEYS) row('Top level', key);
    const sections: [string, Record<string, string | number>][] = [
      ['listen', LISTEN_DEFAULTS],
      ['storage', STORAGE_DEFAULTS],
      ['limits', LIMITS_DEFAULTS],
      ['fanout', FANOUT_DEFAULTS],
      ['log', LOG_DEFAULTS],
    ];
    for (const [heading, defaults] of sections) {
      for (const [key, value] of Object.entries(defaults)) expect(row(heading, key)).toContain(`\`${String(value)}\``);
    }
  });
});
