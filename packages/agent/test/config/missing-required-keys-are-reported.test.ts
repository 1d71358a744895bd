import { describe, it, expect } from 'vitest';
import { problemsOf, rejection, yaml } from './config-fixtures.js';

describe('required keys', () => {
  it('site and hosts', () => {
    const err = rejection('log:\n  level: debug\n');
    expect(problemsOf(err).map((p) => `${p.path}: ${p.message}`)).toEqual(['site: required key is missing', 'hosts: required key is missing']);
  });

  it('an ssh host needs an address and a key (its own or ssh.defaultPrivateKeyPath)', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - name: nas
          port: 22
    `);
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([
      'hosts[0].address (line 3): required key is missing (needed for transport: ssh)',
      'hosts[0].privateKeyPath (line 3): required key is missing (needed for transport: ssh unless ssh.defaultPrivateKeyPath is set)',
    ]);
  });

  it('a host needs a name; a local host needs nothing else', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - transport: local
    `);
    expect(problemsOf(err).map((p) => `${p.path}: ${p.message}`)).toEqual(['hosts[0].name: required key is missing']);
  });

  it('hosts must not be empty', () => {
    expect(rejection('site: lab\nhosts: []\n').message).toContain('hosts (line 2, col 8): needs at least one host');
  });

  it('a user command needs a template; string params need a pattern', () => {
    const err = rejection(yaml`
      site: lab
      hosts: [{ name: a, transport: local }]
      userCommands:
        nothing:
          parser: raw
        greet:
          template: echo {{who}}
          params:
            who: { type: string }
    `);
    expect(problemsOf(err).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'userCommands.nothing.template: required key is missing',
      'userCommands.greet.params.who.pattern: required key is missing',
    ]);
  });
});
