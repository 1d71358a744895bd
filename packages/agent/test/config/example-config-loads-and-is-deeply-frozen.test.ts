import { describe, it, expect } from 'vitest';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load-config.js';
import { builtinCommands } from '../../src/registry/builtin/index.js';
import { systemParsers } from '../../src/parse/catalog-system.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import { fakeBuiltins } from './config-fixtures.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/agent.yaml', import.meta.url));
const EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/', import.meta.url)).replace(/\/$/, '');

/** The real built-ins, plus stand-ins for any the example names that are not built yet. */
function builtins(): CommandSpec[] {
  const real = [...builtinCommands];
  for (const fake of fakeBuiltins) if (!real.some((b) => b.name === fake.name)) real.push(fake);
  return real;
}
const opts = { builtins: builtins(), findParser: (name: string) => systemParsers.find((p) => p.name === name) };

describe('examples/agent.yaml', () => {
  it('loads with every section filled in', () => {
    const config = loadConfigFile(EXAMPLE, opts);
    expect(config.site).toBe('home-lab');
    expect(config.sourcePath).toBe(EXAMPLE);
    expect(config.hosts.map((h) => h.name)).toEqual(['agent-box', 'nas', 'docker-01', 'pi-garage']);
    const [local, nas, docker, pi] = config.hosts;
    expect(local).toMatchObject({ transport: 'local', address: 'localhost', tags: ['agent'] });
    expect(nas).toMatchObject({ transport: 'ssh', port: 22, user: 'infra', hostKeyPolicy: 'strict', privateKeyPath: `${homedir()}/.ssh/infra_ed25519` });
    expect(docker).toMatchObject({ port: 2222, user: 'ops', privateKeyPath: `${EXAMPLE_DIR}/keys/docker-01`, knownHostsPath: `${homedir()}/.ssh/known_hosts` });
    expect(pi?.hostKeyPolicy).toBe('tofu');
    expect(pi?.commands.system_metrics?.params).toEqual({ sampleMs: 1000 });
    expect(Object.keys(config.userCommands)).toEqual(['backup_age', 'journal_errors', 'load']);
    expect(config.storage.path).toBe(`${EXAMPLE_DIR}/infra-agent.db`);
    expect(config.limits.globalConcurrency).toBe(8);
    expect(config.log.level).toBe('info');
  });

  it('is deeply frozen', () => {
    const config = loadConfigFile(EXAMPLE, opts);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.hosts)).toBe(true);
    expect(Object.isFrozen(config.hosts[1]?.tags)).toBe(true);
    expect(Object.isFrozen(config.userCommands.backup_age?.params.folders)).toBe(true);
    expect(() => {
      (config.limits as { globalConcurrency: number }).globalConcurrency = 99;
    }).toThrow(TypeError);
    expect(() => {
      (config.hosts as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('builds a registry whose user commands render and parse', () => {
    const config = loadConfigFile(EXAMPLE, opts);
    const registry = createRegistry({ builtins: opts.builtins, config, findParser: opts.findParser });
    const nas = config.hosts[1]!;
    const backup = registry.get('backup_age');
    expect(backup.script(registry.resolveParams(nas, 'backup_age', {}), { nonce: 'abc' })).toMatch(/^for d in \/srv\/backups; do/);
    expect(registry.get('load').parse({ stdout: '0.50 0.40 0.30 1/123 4567\n', stderr: '', exitCode: 0 })).toBeTruthy();
  });

  it('a file that cannot be read is CONFIG_READ_FAILED', () => {
    expect(() => loadConfigFile(`${EXAMPLE_DIR}/does-not-exist.yaml`)).toThrowError(expect.objectContaining({ code: 'CONFIG_READ_FAILED' }));
  });
});
