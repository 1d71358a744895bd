import { describe, expect, it } from 'vitest';
import { InfraError, type ConfigProblem } from '@infrastructor/shared';
import { parseHubConfig } from '../../src/config/load-hub-config.js';

const TOKEN = 'a-long-enough-token-123';

function problems(text: string): ConfigProblem[] {
  try {
    parseHubConfig(text, '/etc/infra/hub.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InfraError);
    return (err as InfraError).details['problems'] as ConfigProblem[];
  }
  throw new Error('expected the config to be refused');
}

describe('hub configuration problems', () => {
  it('names an unknown key with its path and line, at any depth', () => {
    const text = ['insecure: true', 'listen:', '  host: 0.0.0.0', '  prot: 7400', 'agents:', `  - { id: a1, site: alpha, token: ${TOKEN}, colour: red }`].join('\n');
    const found = problems(text);
    expect(found).toEqual([
      expect.objectContaining({ code: 'CONFIG_UNKNOWN_KEY', path: 'listen.prot', line: 4 }),
      expect.objectContaining({ code: 'CONFIG_UNKNOWN_KEY', path: 'agents[0].colour', line: 6 }),
    ]);
    try {
      parseHubConfig(text, '/etc/infra/hub.yaml');
    } catch (err) {
      expect((err as InfraError).code).toBe('CONFIG_INVALID');
      expect((err as InfraError).message).toContain('listen.prot (line 4, col 3)');
    }
  });

  it('a single unknown top-level key is CONFIG_UNKNOWN_KEY', () => {
    expect(() => parseHubConfig('insecure: true\nlisten_port: 1\n', 'hub.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_UNKNOWN_KEY' }));
  });

  it('reports wrong types and out-of-range values with their lines', () => {
    const found = problems(['insecure: yes-please', 'limits:', '  pingIntervalMs: fast', '  agentMaxPayloadBytes: 10'].join('\n'));
    expect(found.map((p) => [p.path, p.line])).toEqual([
      ['insecure', 1],
      ['limits.pingIntervalMs', 3],
      ['limits.agentMaxPayloadBytes', 4],
    ]);
  });

  it('YAML syntax errors are CONFIG_PARSE_FAILED with a line', () => {
    expect(() => parseHubConfig('insecure: true\nagents: [\n', 'hub.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_PARSE_FAILED' }));
  });

  it('requires agent ids, sites and a token, one site per agent id, and valid subscribers', () => {
    const found = problems(
      [
        'insecure: true',
        'agents:',
        `  - { id: a1, site: alpha, token: ${TOKEN} }`,
        `  - { id: a1, site: beta, token: ${TOKEN}-2 }`,
        '  - { site: alpha }',
        'subscribers:',
        `  - { name: ops, role: admin, sites: ['*'], token: ${TOKEN}-3 }`,
        `  - { name: v, role: viewer, sites: ['*', alpha], token: ${TOKEN}-4 }`,
      ].join('\n'),
    );
    expect(found.map((p) => p.path)).toEqual(['agents[1].site', 'agents[2].id', 'agents[2].token', 'subscribers[0].role', 'subscribers[1].sites']);
  });
});
