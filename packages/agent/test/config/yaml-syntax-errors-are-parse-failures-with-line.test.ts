import { describe, it, expect } from 'vitest';
import { load, problemsOf, rejection } from './config-fixtures.js';

describe('YAML syntax', () => {
  it('invalid YAML is CONFIG_PARSE_FAILED with the line', () => {
    const err = rejection('site: lab\nhosts:\n  - name: [unclosed\n');
    expect(err.code).toBe('CONFIG_PARSE_FAILED');
    expect(problemsOf(err)[0]?.line).toBeGreaterThanOrEqual(3);
    expect(err.message).toMatch(/^\/etc\/infra\/agent\.yaml: \(document\) \(line \d+, col \d+\): /);
  });

  it('a key written twice is a parse failure naming its line', () => {
    const err = rejection('site: lab\nsite: lab2\nhosts: []\n');
    expect(err.code).toBe('CONFIG_PARSE_FAILED');
    expect(problemsOf(err)[0]).toMatchObject({ line: 2, col: 1 });
    expect(err.message).toContain('unique');
  });

  it('anchors and aliases resolve; an alias to nothing is reported with its line', () => {
    const config = load('site: lab\nhosts:\n  - { name: a, transport: local, tags: &t [x, y] }\n  - { name: b, transport: local, tags: *t }\n');
    expect(config.hosts[1]?.tags).toEqual(['x', 'y']);
    const err = rejection('site: lab\nhosts:\n  - name: a\n    transport: local\n    tags: *nothing\n');
    expect(err.message).toBe('/etc/infra/agent.yaml: hosts[0].tags (line 5, col 11): alias *nothing does not refer to an anchor');
  });
});
