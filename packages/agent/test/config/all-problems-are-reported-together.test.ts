import { describe, it, expect } from 'vitest';
import { problemsOf, rejection, yaml } from './config-fixtures.js';

describe('several problems at once', () => {
  it('collects every problem, sorted by line, one per line, as CONFIG_INVALID', () => {
    const err = rejection(yaml`
      site: Lab
      hosts:
        - name: nas
          address: nas.lan
          port: ssh
          colour: blue
        - name: nas
          transport: local
      commands:
        nope: {}
      limits:
        globalConcurrency: 0
      logging: {}
    `);
    expect(err.code).toBe('CONFIG_INVALID');
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('/etc/infra/agent.yaml: 8 configuration problems:');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}site \(line 1, col 7\): "Lab" is not allowed here/),
      expect.stringMatching(/^ {2}hosts\[0\]\.privateKeyPath \(line 3, col 5\): required key is missing/),
      expect.stringMatching(/^ {2}hosts\[0\]\.port \(line 5, col 11\): expected an integer, got string "ssh"/),
      expect.stringMatching(/^ {2}hosts\[0\]\.colour \(line 6, col 5\): unknown key "colour"/),
      expect.stringMatching(/^ {2}hosts\[1\]\.name \(line 7, col 11\): duplicate host name "nas"/),
      expect.stringMatching(/^ {2}commands\.nope \(line 10, col 3\): no command named "nope"/),
      expect.stringMatching(/^ {2}limits\.globalConcurrency \(line 12, col 22\): must be at least 1, got 0/),
      expect.stringMatching(/^ {2}logging \(line 13, col 1\): unknown key "logging"/),
    ]);
    expect(problemsOf(err)).toHaveLength(8);
    expect(problemsOf(err).map((p) => p.code)).toContain('CONFIG_UNKNOWN_KEY');
    expect(err.details.sourcePath).toBe('/etc/infra/agent.yaml');
  });
});
