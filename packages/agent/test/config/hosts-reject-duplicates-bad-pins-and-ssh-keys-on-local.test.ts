import { describe, it, expect } from 'vitest';
import { load, problemsOf, rejection, yaml } from './config-fixtures.js';

const PIN = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';

describe('host validation', () => {
  it('duplicate host names point at the second and name the first line', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - name: nas
          transport: local
        - name: nas
          transport: local
    `);
    expect(err.message).toBe('/etc/infra/agent.yaml: hosts[1].name (line 5, col 11): duplicate host name "nas" (first used at line 3)');
  });

  it('a host key pin must look like ssh-keygen -lf output', () => {
    expect(load(`site: lab\nhosts:\n  - { name: a, address: a, privateKeyPath: /k, hostKey: "${PIN}" }\n`).hosts[0]?.hostKey).toBe(PIN);
    for (const bad of ['MD5:12:34:56', 'SHA256:short', `sha256:${PIN.slice(7)}`, `${PIN}xx`, 'ssh-ed25519 AAAAC3Nza']) {
      const err = rejection(`site: lab\nhosts:\n  - { name: a, address: a, privateKeyPath: /k, hostKey: "${bad}" }\n`);
      expect(problemsOf(err)).toEqual([expect.objectContaining({ path: 'hosts[0].hostKey', line: 3 })]);
      expect(err.message).toContain('SHA256:');
    }
  });

  it('ssh-only keys are rejected on a local host', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - name: me
          transport: local
          address: 127.0.0.1
          hostKey: "${PIN}"
    `);
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([
      'hosts[0].address (line 5): applies only to transport: ssh',
      'hosts[0].hostKey (line 6): applies only to transport: ssh',
    ]);
  });

  it('names, addresses, tags, ports and policies are checked', () => {
    const err = rejection(yaml`
      site: Lab!
      hosts:
        - name: "nas 1"
          address: "nas; rm -rf /"
          privateKeyPath: /k
          port: 70000
          hostKeyPolicy: yolo
          tags: [ok, "not ok"]
          transport: telnet
    `);
    expect(problemsOf(err).map((p) => p.path)).toEqual([
      'site',
      'hosts[0].name',
      'hosts[0].address',
      'hosts[0].port',
      'hosts[0].hostKeyPolicy',
      'hosts[0].tags[1]',
      'hosts[0].transport',
    ]);
  });
});
