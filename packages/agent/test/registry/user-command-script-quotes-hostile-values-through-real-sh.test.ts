import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { UserCommandConfig } from '../../src/config/agent-config.js';
import { buildUserCommand } from '../../src/registry/user-commands.js';
import { validateParams } from '../../src/registry/params.js';

function userCommand(template: string, params: UserCommandConfig['params']): UserCommandConfig {
  return { description: '', template, params, parser: 'lines', schedule: '* * * * *', ttlMs: 0, timeoutMs: 1000, retries: 0, enabled: true };
}

const sh = (script: string): string => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });

describe('user command scripts through a real /bin/sh', () => {
  // A pattern that deliberately allows spaces, quotes, $, parentheses and backticks.
  const echo = buildUserCommand(
    'echo_value',
    userCommand("printf '[%s]\\n' {{v}}", { v: { type: 'string', pattern: '[A-Za-z0-9 \'"$()`;|&*+]+', description: '' } }),
  );

  it.each([`a'b "c" $(id)`, '`id`', 'x; echo PWNED', 'a && echo PWNED || echo PWNED', "''", '*', '$HOME $((1+1))'])(
    'prints %j literally, as one argument',
    (value) => {
      const params = validateParams(echo, { v: value });
      expect(sh(echo.script(params, { nonce: 'n' }))).toBe(`[${value}]\n`);
    },
  );

  it('a list becomes one quoted word per item', () => {
    const cmd = buildUserCommand(
      'each',
      userCommand("printf '<%s>\\n' {{items}}", { items: { type: 'list', pattern: "[a-z '$();]+", description: '' } }),
    );
    const params = validateParams(cmd, { items: ['one two', "it's", '$(id); x'] });
    const out = sh(cmd.script(params, { nonce: 'n' }));
    expect(cmd.parse({ stdout: out, stderr: '', exitCode: 0 })).toEqual(['<one two>', "<it's>", '<$(id); x>']);
  });

  it('several placeholders, integers and enums', () => {
    const cmd = buildUserCommand(
      'multi',
      userCommand('echo {{n}}-{{mode}} {{ n }}', {
        n: { type: 'integer', min: 0, max: 9, default: 3, description: '' },
        mode: { type: 'enum', values: ['a b', 'c'], description: '' },
      }),
    );
    expect(sh(cmd.script(validateParams(cmd, { mode: 'a b' }), { nonce: 'n' }))).toBe('3-a b 3\n');
  });

  it('a placeholder with no value (no default, not given) is PARAM_INVALID before a script exists', () => {
    const cmd = buildUserCommand('needs', userCommand('echo {{v}}', { v: { type: 'string', pattern: '[a-z]+', description: '' } }));
    expect(() => cmd.script(validateParams(cmd, {}), { nonce: 'n' })).toThrowError(
      expect.objectContaining({ code: 'PARAM_INVALID', message: 'needs: parameter v: a value is required (no default)' }),
    );
  });
});
