import { describe, expect, it } from 'vitest';
import { YamlReader, type YamlReaderOptions } from '../src/config/yaml-reader.js';

function problemsOf(text: string, known: readonly string[], options?: YamlReaderOptions): unknown[] {
  const parsed = YamlReader.parse(text, options);
  if (!('reader' in parsed)) throw new Error('expected valid YAML');
  const y = parsed.reader;
  const root = y.map(y.root(), known);
  const a = root?.get('a');
  if (a !== undefined) y.wrongType(a, 'an integer');
  return y.problems;
}

describe('YamlReader options', () => {
  const long = 'x'.repeat(70);

  it('quote at most 60 characters of a string by default, or quoteLimit', () => {
    expect(problemsOf(`a: ${long}\n`, ['a'])).toEqual([
      { code: 'CONFIG_INVALID', path: 'a', line: 1, col: 4, message: `expected an integer, got string "${'x'.repeat(60)}…"` },
    ]);
    expect(problemsOf(`a: ${long}\n`, ['a'], { quoteLimit: 40 })).toEqual([
      { code: 'CONFIG_INVALID', path: 'a', line: 1, col: 4, message: `expected an integer, got string "${'x'.repeat(40)}…"` },
    ]);
  });

  it('take a number key as an unknown key by default; with numberKeys: false it is not a plain string', () => {
    expect(problemsOf('a: 1\n8080: x\n', ['a', 'b'])).toEqual([
      { code: 'CONFIG_UNKNOWN_KEY', path: '["8080"]', line: 2, col: 1, message: 'unknown key "8080"; allowed: a, b' },
      { code: 'CONFIG_INVALID', path: 'a', line: 1, col: 4, message: 'expected an integer, got number 1' },
    ]);
    expect(problemsOf('8080: x\n', ['a', 'b'], { numberKeys: false })).toEqual([
      { code: 'CONFIG_INVALID', path: '', line: 1, col: 1, message: 'keys must be plain strings' },
    ]);
  });

  it('suggest the nearest known key for a typo', () => {
    expect(problemsOf('lsiten: 1\n', ['listen', 'log'])).toEqual([
      { code: 'CONFIG_UNKNOWN_KEY', path: 'lsiten', line: 1, col: 1, message: 'unknown key "lsiten" (did you mean "listen"?); allowed: listen, log' },
    ]);
  });
});
