import { describe, it, expect } from 'vitest';
import { homedir } from 'node:os';
import { load, MINIMAL, yaml } from './config-fixtures.js';

describe('defaults', () => {
  it('fills every omitted key with its documented default', () => {
    const config = load(MINIMAL);
    expect(config.hosts[0]).toEqual({
      name: 'nas',
      transport: 'ssh',
      address: '10.0.0.2',
      port: 22,
      user: 'infra',
      privateKeyPath: '/keys/nas',
      hostKeyPolicy: 'strict',
      tags: [],
      commands: {},
    });
    expect(config.commands).toEqual({});
    expect(config.userCommands).toEqual({});
    expect(config.ssh).toEqual({ defaultUser: 'infra' });
    expect(config.storage).toEqual({
      path: '/etc/infra/infra-agent.db',
      synchronous: 'FULL',
      historyRetentionMs: 7 * 86_400_000,
      auditRetentionMs: 30 * 86_400_000,
      outboxMaxBytes: 256 * 1024 * 1024,
      outboxMaxAgeMs: 7 * 86_400_000,
    });
    expect(config.limits).toEqual({
      globalConcurrency: 8,
      perHostConcurrency: 2,
      maxOutputBytes: 8 * 1024 * 1024,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      keepaliveIntervalMs: 15_000,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.cache).toEqual({ maxEntries: 1000 });
    expect(config.schedule).toEqual({ enabled: true, jitterMs: 30_000, runOnStart: true });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.sourcePath).toBe('/etc/infra/agent.yaml');
  });

  it('treats an empty section (YAML null) as all defaults', () => {
    const config = load(`${MINIMAL}storage:\nlimits:\n`);
    expect(config.storage.synchronous).toBe('FULL');
    expect(config.limits.perHostConcurrency).toBe(2);
  });

  it('uses ssh.defaultUser and ssh.defaultPrivateKeyPath for hosts without their own', () => {
    const config = load(yaml`
      site: lab
      ssh:
        defaultUser: ops
        defaultPrivateKeyPath: ~/.ssh/id_ed25519
      hosts:
        - name: a
          address: a.lan
        - name: b
          address: b.lan
          user: root
          privateKeyPath: keys/b
    `);
    expect(config.hosts[0]).toMatchObject({ user: 'ops', privateKeyPath: `${homedir()}/.ssh/id_ed25519` });
    expect(config.hosts[1]).toMatchObject({ user: 'root', privateKeyPath: '/etc/infra/keys/b' });
  });
});
