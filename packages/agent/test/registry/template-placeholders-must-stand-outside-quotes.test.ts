import { describe, it, expect } from 'vitest';
import { checkTemplate, renderTemplate, scanTemplate } from '../../src/registry/template.js';

const messages = (template: string, declared: string[] = ['x', 'y']) => checkTemplate(template, declared).map((p) => p.message);

describe('template placeholders', () => {
  it('accepts placeholders outside quotes, next to quoted text, in $( ) and after =', () => {
    for (const t of [
      'echo {{x}}',
      "printf '%s\\n' {{x}} {{ y }}",
      'echo "$HOME" {{x}}',
      'ls --dir={{x}}',
      'echo $(basename {{x}})',
      "echo 'it''s' {{x}} # a comment with a quote ' and {{notdeclared}}",
      'echo \\" {{x}}',
    ]) {
      expect(messages(t), t).toEqual([]);
    }
  });

  it('rejects a placeholder in single quotes, double quotes, or after $ or ~', () => {
    expect(messages("echo '{{x}}'")).toEqual([expect.stringContaining('inside single quotes')]);
    expect(messages('echo "a {{x}} b"')).toEqual([expect.stringContaining('inside double quotes')]);
    expect(messages('echo "a \\" {{x}}"')).toEqual([expect.stringContaining('inside double quotes')]);
    expect(messages('echo ${{x}}')).toEqual([expect.stringContaining('must not follow "$"')]);
    expect(messages('ls ~{{x}}')).toEqual([expect.stringContaining('must not follow "~"')]);
  });

  it('rejects unknown and malformed placeholders, and unterminated quotes', () => {
    expect(messages('echo {{z}}')).toEqual(['placeholder {{z}} names no declared parameter (declared: x, y)']);
    expect(messages('echo {{x y}}')).toEqual([expect.stringContaining('malformed placeholder')]);
    expect(messages("echo 'oops {{x}}")).toEqual(['unterminated single quote', expect.stringContaining('inside single quotes')]);
  });

  it('an escaped brace is not a placeholder', () => {
    expect(scanTemplate('echo \\{{x}}').names).toEqual([]);
  });

  it('renders each placeholder as one shell-quoted word', () => {
    expect(renderTemplate('t', 'echo {{x}} {{y}}', { x: "a b'c", y: ['/p', 'q r'] })).toBe(`echo 'a b'\\''c' /p 'q r'`);
  });
});
