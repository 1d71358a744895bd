import { describe, it, expect } from 'vitest';
import { homedir } from 'node:os';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfigFile } from '../../src/config/load-config.js';
import { load, options, rejection, yaml } from './config-fixtures.js';

describe('paths', () => {
  it('relative paths resolve against the config file folder, ~ against home, absolute stay', () => {
    const config = load(yaml`
      site: lab
      ssh:
        defaultPrivateKeyPath: ../keys/default
      hosts:
        - name: a
          address: a
          privateKeyPath: keys/a
          knownHostsPath: ~/.ssh/known_hosts
        - name: b
          address: b
          privateKeyPath: /srv/keys/b
        - name: c
          address: c
      storage:
        path: data/agent.db
    `);
    expect(config.ssh.defaultPrivateKeyPath).toBe('/etc/keys/default');
    expect(config.hosts.map((h) => h.privateKeyPath)).toEqual(['/etc/infra/keys/a', '/srv/keys/b', '/etc/keys/default']);
    expect(config.hosts[0]?.knownHostsPath).toBe(join(homedir(), '.ssh/known_hosts'));
    expect(config.storage.path).toBe('/etc/infra/data/agent.db');
  });

  it('a relative file path resolves against the file it was read from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-config-'));
    try {
      writeFileSync(join(dir, 'agent.yaml'), 'site: lab\nhosts: [{ name: a, address: a, privateKeyPath: k }]\n');
      const config = loadConfigFile(join(dir, 'agent.yaml'), options);
      expect(config.sourcePath).toBe(join(dir, 'agent.yaml'));
      expect(config.hosts[0]?.privateKeyPath).toBe(join(dir, 'k'));
      expect(config.storage.path).toBe(join(dir, 'infra-agent.db'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('~user is not expanded and is rejected', () => {
    const err = rejection('site: lab\nhosts: [{ name: a, address: a, privateKeyPath: ~root/key }]\n');
    expect(err.message).toContain('hosts[0].privateKeyPath (line 2');
    expect(err.message).toContain('only "~" and "~/..." are expanded');
  });
});
