import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createRegistry } from '../../src/registry/registry.js';
import { fakeBuiltins, yaml } from '../config/config-fixtures.js';

const config = parseConfig(
  yaml`
    site: lab
    hosts:
      - name: plain
        transport: local
      - name: tuned
        transport: local
        commands:
          disk_usage:
            enabled: true
            ttlMs: 5000
            params: { unit: human }
          hello:
            schedule: "0 * * * *"
            params: { who: host }
    commands:
      disk_usage:
        schedule: "*/30 * * * *"
        ttlMs: 1000
        params: { paths: [/srv, /var] }
      hello:
        params: { who: site }
    userCommands:
      hello:
        description: says hello
        template: echo hello {{who}} {{times}}
        params:
          who: { type: string, pattern: "[a-z]+", default: world }
          times: { type: integer, min: 1, max: 3, default: 1 }
  `,
  '/etc/infra/agent.yaml',
  { builtins: fakeBuiltins, findParser: () => undefined },
);
const registry = createRegistry({ builtins: fakeBuiltins, config, findParser: () => undefined });
const [plain, tuned] = config.hosts as [(typeof config.hosts)[number], (typeof config.hosts)[number]];

describe('registry', () => {
  it('lists built-ins first, then user commands; get() finds both', () => {
    expect(registry.list().map((c) => c.name)).toEqual(['system_metrics', 'disk_usage', 'hello']);
    expect(registry.get('hello').description).toBe('says hello');
  });

  it('get() of an unknown name is COMMAND_UNKNOWN', () => {
    expect(() => registry.get('nope')).toThrowError(expect.objectContaining({ code: 'COMMAND_UNKNOWN' }));
  });

  it('settings: command defaults < top-level override < host override, field by field', () => {
    expect(registry.settingsFor(plain, 'system_metrics')).toEqual({
      enabled: true,
      schedule: '* * * * *',
      ttlMs: 60_000,
      timeoutMs: 10_000,
      retries: 2,
      params: { sampleMs: 250 },
    });
    expect(registry.settingsFor(plain, 'disk_usage')).toEqual({
      enabled: false,
      schedule: '*/30 * * * *',
      ttlMs: 1000,
      timeoutMs: 20_000,
      retries: 0,
      params: { paths: ['/srv', '/var'], unit: 'bytes' },
    });
    expect(registry.settingsFor(tuned, 'disk_usage')).toEqual({
      enabled: true,
      schedule: '*/30 * * * *',
      ttlMs: 5000,
      timeoutMs: 20_000,
      retries: 0,
      params: { paths: ['/srv', '/var'], unit: 'human' },
    });
  });

  it('user commands take their settings from their definition, then overrides', () => {
    expect(registry.settingsFor(plain, 'hello')).toMatchObject({ schedule: '*/15 * * * *', params: { who: 'site', times: 1 } });
    expect(registry.settingsFor(tuned, 'hello')).toMatchObject({ schedule: '0 * * * *', params: { who: 'host', times: 1 } });
  });

  it('resolveParams puts request values over configured ones and validates them', () => {
    expect(registry.resolveParams(tuned, 'hello', { times: '2' })).toEqual({ who: 'host', times: 2 });
    expect(registry.resolveParams(tuned, 'hello', { who: undefined })).toEqual({ who: 'host', times: 1 });
    expect(registry.resolveParams(plain, 'disk_usage', { paths: '/home' })).toEqual({ paths: ['/home'], unit: 'bytes' });
    expect(() => registry.resolveParams(tuned, 'hello', { who: '$(id)' })).toThrowError(expect.objectContaining({ code: 'PARAM_INVALID' }));
    expect(() => registry.resolveParams(tuned, 'hello', { whom: 'x' })).toThrowError(expect.objectContaining({ code: 'PARAM_UNKNOWN' }));
    expect(() => registry.resolveParams(tuned, 'nope', {})).toThrowError(expect.objectContaining({ code: 'COMMAND_UNKNOWN' }));
  });

  it('the resolved values render into the user command script', () => {
    const params = registry.resolveParams(tuned, 'hello', { times: 3 });
    expect(registry.get('hello').script(params, { nonce: 'n' })).toBe('echo hello host 3');
    expect(registry.paramsHash(params)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a user command named like a built-in cannot be registered', () => {
    const clash = { ...config, userCommands: { disk_usage: config.userCommands.hello! } };
    expect(() => createRegistry({ builtins: fakeBuiltins, config: clash })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
