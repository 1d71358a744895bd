import { describe, it, expect } from 'vitest';
import { load, options, problemsOf, rejection, yaml } from './config-fixtures.js';

const HEAD = 'site: lab\nhosts: [{ name: a, transport: local }]\nuserCommands:\n';
/** A config whose userCommands section is `body` (line 4 is the body's first line). */
const withUserCommands = (body: string): string =>
  HEAD +
  body
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');

describe('userCommands', () => {
  it('a valid definition gets its defaults and typed params', () => {
    const config = load(withUserCommands(yaml`
      greet:
        template: echo {{ who }} {{times}}
        params:
          who: { type: string, pattern: "[a-z]+", default: world }
          times: { type: integer, min: 1, max: 3 }
    `));
    expect(config.userCommands.greet).toEqual({
      description: '',
      template: 'echo {{ who }} {{times}}',
      params: {
        who: { type: 'string', pattern: '[a-z]+', default: 'world', description: '' },
        times: { type: 'integer', min: 1, max: 3, description: '' },
      },
      parser: 'raw',
      schedule: '*/15 * * * *',
      ttlMs: 60_000,
      timeoutMs: 30_000,
      retries: 0,
      enabled: true,
    });
  });

  it('must not reuse a built-in name', () => {
    const err = rejection(HEAD + '  system_metrics:\n    template: uptime\n');
    expect(err.message).toContain('userCommands.system_metrics (line 4, col 3): "system_metrics" is a built-in command; choose another name');
  });

  it('a placeholder inside single or double quotes is rejected', () => {
    const err = rejection(withUserCommands(yaml`
      a:
        template: echo '{{x}}'
        params: { x: { type: string, pattern: "[a-z]+" } }
      b:
        template: echo "dir={{x}}"
        params: { x: { type: string, pattern: "[a-z]+" } }
    `));
    expect(problemsOf(err).map((p) => `${p.path} (line ${p.line}): ${p.message}`)).toEqual([
      `userCommands.a.template (line 5): placeholder {{x}} is inside single quotes; write it unquoted, it is quoted as one word when filled in (at character 7: …echo '{{x}}'…)`,
      `userCommands.b.template (line 8): placeholder {{x}} is inside double quotes; write it unquoted, it is quoted as one word when filled in (at character 11: …echo "dir={{x}}"…)`,
    ]);
  });

  it('a placeholder naming no declared param, a malformed one, or one after $ is rejected', () => {
    const err = rejection(withUserCommands(yaml`
      a:
        template: ls {{dir}} {{ 1bad }} ${'$'}{{x}}
        params: { x: { type: string, pattern: "[a-z]+" } }
    `));
    const messages = problemsOf(err).map((p) => p.message);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^placeholder \{\{dir\}\} names no declared parameter \(declared: x\)/);
    expect(messages[1]).toMatch(/^malformed placeholder/);
    expect(messages[2]).toMatch(/^placeholder \{\{x\}\} must not follow "\$"/);
  });

  it('parsers must exist; patterns must compile; defaults must pass their own spec', () => {
    const err = rejection(withUserCommands(yaml`
      a:
        template: echo {{s}} {{e}} {{l}}
        parser: xml
        params:
          s: { type: string, pattern: "[a-z" }
          e: { type: enum, values: [x, y], default: z }
          l: { type: list, pattern: "[a-z]+", default: [ok, "-rf"] }
    `));
    expect(problemsOf(err).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'userCommands.a.parser: no parser named "xml"; use json, lines, raw or a parser from `infra-agent parsers`',
      expect.stringMatching(/^userCommands\.a\.params\.s\.pattern: not a valid regular expression/),
      'userCommands.a.params.e.default: "z" is not one of x, y',
      'userCommands.a.params.l.default: item 2: "-rf" starts with "-" and could be read as an option',
    ]);
  });

  it('accepts a catalog parser name', () => {
    const config = load(HEAD + '  load:\n    template: cat /proc/loadavg\n    parser: proc-loadavg\n', {
      ...options,
      findParser: (name) => (name === 'proc-loadavg' ? { name, input: '', parse: (t) => t } : undefined),
    });
    expect(config.userCommands.load?.parser).toBe('proc-loadavg');
  });

  it('command and parameter names are restricted', () => {
    const err = rejection(withUserCommands(yaml`
      Bad-Name:
        template: echo
      ok:
        template: echo {{x}}
        params:
          "x-y": { type: string, pattern: "[a-z]+" }
    `));
    expect(problemsOf(err).map((p) => p.path)).toEqual(['userCommands.Bad-Name', 'userCommands.ok.params.x-y']);
  });
});
