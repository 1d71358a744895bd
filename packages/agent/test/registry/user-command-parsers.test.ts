import { describe, it, expect } from 'vitest';
import type { UserCommandConfig } from '../../src/config/agent-config.js';
import { buildUserCommand } from '../../src/registry/user-commands.js';
import type { ParserDef } from '../../src/parse/parser-def.js';

const base: UserCommandConfig = { description: 'd', template: 'true', params: {}, parser: 'raw', schedule: '* * * * *', ttlMs: 1, timeoutMs: 1000, retries: 0, enabled: true };
const out = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });

describe('user command parsers', () => {
  it('raw returns stdout as is', () => {
    expect(buildUserCommand('c', base).parse(out(' a\n\nb '))).toBe(' a\n\nb ');
  });

  it('lines returns the non-empty lines', () => {
    expect(buildUserCommand('c', { ...base, parser: 'lines' }).parse(out('a\r\n\nb c\n\n'))).toEqual(['a', 'b c']);
  });

  it('json parses, and fails with PARSE_FAILED quoting a snippet', () => {
    const cmd = buildUserCommand('c', { ...base, parser: 'json' });
    expect(cmd.parse(out('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(() => cmd.parse(out('not json at all'))).toThrowError(
      expect.objectContaining({ code: 'PARSE_FAILED', message: expect.stringContaining('"not json at all"') }),
    );
  });

  it('a catalog parser gets stdout', () => {
    const upper: ParserDef = { name: 'upper', input: 'text', parse: (t) => t.toUpperCase() };
    const cmd = buildUserCommand('c', { ...base, parser: 'upper' }, (n) => (n === 'upper' ? upper : undefined));
    expect(cmd.parse(out('abc'))).toBe('ABC');
  });

  it('an unknown parser is PARSER_UNKNOWN when the command is built', () => {
    expect(() => buildUserCommand('c', { ...base, parser: 'nope' }, () => undefined)).toThrowError(expect.objectContaining({ code: 'PARSER_UNKNOWN' }));
  });

  it('carries the config defaults into the spec', () => {
    expect(buildUserCommand('c', base).defaults).toEqual({ schedule: '* * * * *', ttlMs: 1, timeoutMs: 1000, retries: 0, enabled: true });
  });
});
