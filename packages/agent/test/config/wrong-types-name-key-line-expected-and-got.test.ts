import { describe, it, expect } from 'vitest';
import { MINIMAL, problemsOf, rejection, yaml } from './config-fixtures.js';

describe('wrong types', () => {
  it('a string where an integer belongs names key, line, expected and got', () => {
    const err = rejection(`${MINIMAL}    port: "2222"\n`); // line 6, a key of the host
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe('/etc/infra/agent.yaml: hosts[0].port (line 6, col 11): expected an integer, got string "2222"');
  });

  it('reports each kind of mismatch', () => {
    const err = rejection(MINIMAL + yaml`
      limits:
        globalConcurrency: 2.5
        maxOutputBytes: lots
      schedule:
        enabled: "yes"
      log:
        level: loud
      cache: [1, 2]
      storage:
        synchronous: 1
    `);
    const byPath = Object.fromEntries(problemsOf(err).map((p) => [p.path, p.message]));
    expect(byPath).toEqual({
      'limits.globalConcurrency': 'expected an integer, got number 2.5',
      'limits.maxOutputBytes': 'expected an integer, got string "lots"',
      'schedule.enabled': 'expected true or false, got string "yes"',
      'log.level': 'expected one of trace, debug, info, warn, error, fatal, got "loud"',
      cache: 'expected a mapping, got a list',
      'storage.synchronous': 'expected one of FULL, NORMAL, got number 1',
    });
  });

  it('hosts must be a list of mappings, tags a list of strings', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - just-a-name
        - name: b
          transport: local
          tags: storage
    `);
    expect(problemsOf(err).map((p) => `${p.path}@${p.line}: ${p.message}`)).toEqual([
      'hosts[0]@3: expected a mapping, got string "just-a-name"',
      'hosts[1].tags@6: expected a list, got string "storage"',
    ]);
  });

  it('out-of-range numbers say the limit', () => {
    const err = rejection(MINIMAL + yaml`
      limits:
        globalConcurrency: 2
        perHostConcurrency: 4
        connectTimeoutMs: 0
    `);
    expect(problemsOf(err).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'limits.perHostConcurrency: must not exceed limits.globalConcurrency (2), got 4',
      'limits.connectTimeoutMs: must be at least 100, got 0',
    ]);
  });

  it('a document that is not a mapping, or empty', () => {
    expect(rejection('- a\n- b\n').message).toContain('(document) (line 1, col 1): expected a mapping, got a list');
    expect(rejection('').message).toContain('the file is empty');
    expect(rejection('# only a comment\n').code).toBe('CONFIG_INVALID');
  });
});
