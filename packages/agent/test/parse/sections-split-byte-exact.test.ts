import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { sectionScript, splitSections, newNonce } from '../../src/parse/sections.js';

describe('sections', () => {
  it('round-trips exact bytes and exit codes through a real sh', () => {
    const nonce = newNonce();
    const script = [
      sectionScript(nonce, 'a', "printf 'no newline'"),
      sectionScript(nonce, 'b', "printf 'two\\n\\n'"),
      sectionScript(nonce, 'c', 'exit_three() { return 3; }; exit_three'),
    ].join('\n');
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    const sections = splitSections('test', out);
    expect(sections).toEqual([
      { name: 'a', text: 'no newline', exitCode: 0 },
      { name: 'b', text: 'two\n\n', exitCode: 0 },
      { name: 'c', text: '', exitCode: 3 },
    ]);
  });

  it('rejects output without markers or with a missing end', () => {
    expect(() => splitSections('t', 'garbage')).toThrow(/PARSE|section marker/);
    expect(() => splitSections('t', '@@INFRA:abc:BEGIN x\nhello')).toThrowError(/no end marker/);
  });
});
