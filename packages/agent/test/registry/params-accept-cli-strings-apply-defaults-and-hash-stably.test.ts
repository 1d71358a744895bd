import { describe, it, expect } from 'vitest';
import type { CommandSpec } from '../../src/registry/command-spec.js';
import { paramsHash, validateParams } from '../../src/registry/params.js';

const command: Pick<CommandSpec, 'name' | 'params'> = {
  name: 'du',
  params: {
    depth: { type: 'integer', min: 0, max: 5, default: 1, description: '' },
    unit: { type: 'enum', values: ['b', 'k'], default: 'b', description: '' },
    paths: { type: 'list', pattern: '/[a-z/]*', default: ['/'], description: '' },
    label: { type: 'string', pattern: '[a-z ]+', description: '' },
  },
};

describe('validateParams accepts and normalises', () => {
  it('applies defaults for omitted params and leaves params without a default out', () => {
    expect(validateParams(command, {})).toEqual({ depth: 1, unit: 'b', paths: ['/'] });
    expect(validateParams(command, { depth: undefined })).toEqual({ depth: 1, unit: 'b', paths: ['/'] });
  });

  it('takes CLI strings: decimal integers and comma-separated lists', () => {
    expect(validateParams(command, { depth: '3', paths: '/srv,/var/lib', label: 'my disk' })).toEqual({
      depth: 3,
      unit: 'b',
      paths: ['/srv', '/var/lib'],
      label: 'my disk',
    });
  });

  it('returns a frozen result', () => {
    const values = validateParams(command, { paths: ['/a'] });
    expect(Object.isFrozen(values)).toBe(true);
    expect(Object.isFrozen(values.paths)).toBe(true);
  });
});

describe('paramsHash', () => {
  it('is 16 hex chars, independent of key order, sensitive to values and list order', () => {
    const a = paramsHash({ depth: 1, paths: ['/a', '/b'] });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(paramsHash({ paths: ['/a', '/b'], depth: 1 })).toBe(a);
    expect(paramsHash({ depth: 2, paths: ['/a', '/b'] })).not.toBe(a);
    expect(paramsHash({ depth: 1, paths: ['/b', '/a'] })).not.toBe(a);
    expect(paramsHash({ depth: '1', paths: ['/a', '/b'] })).not.toBe(a);
    expect(paramsHash({})).toBe(paramsHash({}));
  });
});
