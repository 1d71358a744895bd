import { describe, it, expect, vi } from 'vitest';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import { validateParams } from '../../src/registry/params.js';

const script = vi.fn(() => 'true');
/** A permissive-looking pattern: the guards below must hold even so. */
const command: CommandSpec = {
  name: 'probe',
  description: '',
  params: {
    path: { type: 'string', pattern: '[^\\x00]*', description: '' },
    strict: { type: 'string', pattern: '[A-Za-z0-9_./-]+', maxLength: 32, description: '' },
    count: { type: 'integer', min: 1, max: 10, description: '' },
    mode: { type: 'enum', values: ['fast', 'slow'], description: '' },
    dirs: { type: 'list', pattern: '/[A-Za-z0-9_./-]*', maxItems: 3, description: '' },
  },
  defaults: { schedule: '* * * * *', ttlMs: 0, timeoutMs: 1000, retries: 0, enabled: true },
  script,
  parse: ({ stdout }) => stdout,
};

function rejectionOf(raw: Record<string, unknown>): { code: string; message: string; details: Record<string, unknown> } {
  try {
    validateParams(command, raw);
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('validateParams rejects hostile values', () => {
  it.each([
    ['; rm -rf /', 'does not match'],
    ['$(id)', 'does not match'],
    ['`id`', 'does not match'],
    ['a | nc evil 80', 'does not match'],
    ['a && reboot', 'does not match'],
    ["a'b", 'does not match'],
  ])('shell metacharacters against a strict pattern: %j', (value, why) => {
    const err = rejectionOf({ strict: value });
    expect(err.code).toBe('PARAM_INVALID');
    expect(err.message).toContain('parameter strict');
    expect(err.message).toContain(why);
  });

  it.each([
    ['line\nbreak', 'contains a line break'],
    ['carriage\rreturn', 'contains a line break'],
    ['nul\0byte', 'contains a NUL byte'],
    ['-rf', 'starts with "-"'],
    ['--help', 'starts with "-"'],
  ])('control characters and leading dashes even when the pattern would allow them: %j', (value, why) => {
    const err = rejectionOf({ path: value });
    expect(err.code).toBe('PARAM_INVALID');
    expect(err.message).toContain(why);
  });

  it('length limits: the spec maxLength, else 256', () => {
    expect(rejectionOf({ strict: 'a'.repeat(33) }).message).toContain('is 33 characters long; at most 32 are allowed');
    expect(rejectionOf({ path: 'a'.repeat(257) }).message).toContain('at most 256');
    expect(validateParams(command, { path: 'a'.repeat(256) }).path).toHaveLength(256);
  });

  it('the pattern must match the whole value (anchored for the author)', () => {
    expect(rejectionOf({ strict: 'ok;$(id)' }).code).toBe('PARAM_INVALID');
    expect(rejectionOf({ dirs: ['/ok', 'relative/../x'] }).message).toContain('item 2');
  });

  it('integers: range, non-numbers, non-decimal strings', () => {
    expect(rejectionOf({ count: 0 }).message).toContain('0 is below the minimum 1');
    expect(rejectionOf({ count: '11' }).message).toContain('11 is above the maximum 10');
    for (const bad of ['1e3', '0x10', '5; id', ' 5', 2.5, true, '']) expect(rejectionOf({ count: bad }).code).toBe('PARAM_INVALID');
  });

  it('enums: only the listed values, exactly', () => {
    expect(rejectionOf({ mode: 'FAST' }).message).toContain('"FAST" is not one of fast, slow');
    expect(rejectionOf({ mode: 'fast; id' }).code).toBe('PARAM_INVALID');
  });

  it('lists: item count and each item', () => {
    expect(rejectionOf({ dirs: ['/a', '/b', '/c', '/d'] }).message).toContain('has 4 items; at most 3');
    expect(rejectionOf({ dirs: [] }).message).toContain('needs at least one item');
    expect(rejectionOf({ dirs: ['/a', '-x'] }).message).toContain('item 2');
    expect(rejectionOf({ dirs: { a: 1 } }).code).toBe('PARAM_INVALID');
  });

  it('undeclared names are PARAM_UNKNOWN, listing the declared ones', () => {
    const err = rejectionOf({ pth: '/x' });
    expect(err.code).toBe('PARAM_UNKNOWN');
    expect(err.message).toBe('probe has no parameter "pth" (it takes: path, strict, count, mode, dirs)');
    expect(rejectionOf(JSON.parse('{"__proto__": "x"}') as Record<string, unknown>).code).toBe('PARAM_UNKNOWN');
  });

  it('nothing was built or run for any of the rejected values', () => {
    expect(script).not.toHaveBeenCalled();
  });
});
