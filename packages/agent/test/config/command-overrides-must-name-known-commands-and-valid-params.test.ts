import { describe, it, expect } from 'vitest';
import { load, MINIMAL, problemsOf, rejection, yaml } from './config-fixtures.js';

describe('command overrides', () => {
  it('an override for an unknown command names the key and line', () => {
    const err = rejection(MINIMAL + yaml`
      commands:
        system_metric:
          enabled: false
    `);
    expect(err.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(err.message).toContain('commands.system_metric (line 7, col 3): no command named "system_metric" (did you mean "system_metrics"?)');
  });

  it('per-host overrides are checked the same way, and may name user commands', () => {
    const err = rejection(yaml`
      site: lab
      hosts:
        - name: a
          transport: local
          commands:
            hello: { enabled: false }
            docker_ps: { enabled: true }
      userCommands:
        hello:
          template: echo hello
    `);
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line})`)).toEqual(['hosts[0].commands.docker_ps (line 7)']);
  });

  it('param values in overrides are validated against the command params, with the line', () => {
    const err = rejection(MINIMAL + yaml`
      commands:
        system_metrics:
          params:
            sampleMs: 10
        disk_usage:
          params:
            paths: [/srv, "/tmp; rm -rf /"]
            unit: kilobytes
    `);
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([
      'commands.system_metrics.params.sampleMs (line 9): 10 is below the minimum 50',
      'commands.disk_usage.params.paths (line 12): item 2: "/tmp; rm -rf /" does not match the pattern /[A-Za-z0-9._/-]*',
      'commands.disk_usage.params.unit (line 13): "kilobytes" is not one of bytes, human',
    ]);
  });

  it('valid values are kept normalised (comma string → list, decimal string → integer)', () => {
    const config = load(MINIMAL + yaml`
      commands:
        system_metrics:
          params: { sampleMs: "500" }
        disk_usage:
          enabled: true
          params: { paths: "/srv,/var" }
    `);
    expect(config.commands.system_metrics?.params).toEqual({ sampleMs: 500 });
    expect(config.commands.disk_usage).toEqual({ enabled: true, params: { paths: ['/srv', '/var'] } });
  });

  it('override settings have types and ranges', () => {
    const err = rejection(MINIMAL + yaml`
      commands:
        system_metrics:
          enabled: "no"
          ttlMs: -1
          retries: 100
          timeoutMs: 5
    `);
    expect(problemsOf(err).map((p) => p.path)).toEqual([
      'commands.system_metrics.enabled',
      'commands.system_metrics.ttlMs',
      'commands.system_metrics.retries',
      'commands.system_metrics.timeoutMs',
    ]);
  });
});
