import { describe, it, expect } from 'vitest';
import { MINIMAL, problemsOf, rejection, yaml } from './config-fixtures.js';

describe('unknown keys', () => {
  it('at the top level: CONFIG_UNKNOWN_KEY with the key, line and column', () => {
    const err = rejection(MINIMAL + yaml`
      metrics:
        port: 9100
    `);
    expect(err.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(err.message).toContain('metrics (line 6, col 1): unknown key "metrics"');
    expect(problemsOf(err)).toEqual([expect.objectContaining({ path: 'metrics', line: 6, col: 1, code: 'CONFIG_UNKNOWN_KEY' })]);
  });

  it('inside a host, suggesting the key that was probably meant', () => {
    const err = rejection(`${MINIMAL}    prot: 2222\n`); // line 6, a key of the host
    expect(err.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(err.message).toContain('hosts[0].prot (line 6, col 5): unknown key "prot" (did you mean "port"?)');
  });

  it('at several depths, each reported with its own line', () => {
    const err = rejection(yaml`
      site: lab
      storage:
        path: ./db
        journalMode: wal
      hosts:
        - name: nas
          address: 10.0.0.2
          privateKeyPath: /k
          commands:
            system_metrics:
              schedul: "* * * * *"
      commands:
        disk_usage:
          params:
            pathz: [/srv]
      userCommands:
        hello:
          template: echo hi
          params:
            who:
              type: string
              pattern: "[a-z]+"
              colour: red
    `);
    expect(err.code).toBe('CONFIG_INVALID');
    const found = problemsOf(err).map((p) => [p.code, p.path, p.line, p.col]);
    expect(found).toEqual([
      ['CONFIG_UNKNOWN_KEY', 'storage.journalMode', 4, 3],
      ['CONFIG_UNKNOWN_KEY', 'hosts[0].commands.system_metrics.schedul', 11, 9],
      ['CONFIG_UNKNOWN_KEY', 'commands.disk_usage.params.pathz', 15, 7],
      ['CONFIG_UNKNOWN_KEY', 'userCommands.hello.params.who.colour', 23, 9],
    ]);
    expect(err.message.split('\n')).toHaveLength(5);
    expect(err.message).toContain('command disk_usage has no parameter "pathz" (did you mean "paths"?)');
  });

  it('a param-spec key that does not apply to its type', () => {
    const err = rejection(yaml`
      site: lab
      hosts: [{ name: a, transport: local }]
      userCommands:
        count:
          template: echo {{n}}
          params:
            n: { type: integer, pattern: "[0-9]+" }
    `);
    expect(err.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(err.message).toMatch(/userCommands\.count\.params\.n\.pattern \(line 7, col \d+\): key "pattern" does not apply to type integer/);
  });
});
