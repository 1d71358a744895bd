/**
 * User command templates: a POSIX shell line with `{{param}}` placeholders.
 * Each placeholder becomes exactly one shell-quoted word, so placeholders
 * must stand outside any quotes (inside '…' the quoting would be undone,
 * inside "…" the value would be re-expanded) and must not follow `$`/`~`.
 *
 * The scanner tracks quotes, backslash escapes and `#` comments; it does not
 * understand here-documents, so templates should not use them.
 */
import { InfraError } from '@infrastructor/shared';
import type { ParamValues } from './command-spec.js';
import { shellQuote } from './shell-quote.js';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'param'; name: string; offset: number };

export interface TemplateProblem {
  /** Character offset in the template. */
  offset: number;
  message: string;
}

export interface ScannedTemplate {
  parts: TemplatePart[];
  /** Names of the placeholders, in order of first use. */
  names: string[];
  problems: TemplateProblem[];
}

const PLACEHOLDER_RE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;

export function scanTemplate(template: string): ScannedTemplate {
  const parts: TemplatePart[] = [];
  const names: string[] = [];
  const problems: TemplateProblem[] = [];
  let text = '';
  let quote: { char: "'" | '"'; offset: number } | null = null;
  let i = 0;
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  while (i < template.length) {
    const c = template[i] as string;
    if (template.startsWith('{{', i)) {
      const m = PLACEHOLDER_RE.exec(template.slice(i));
      if (!m) {
        problems.push({ offset: i, message: 'malformed placeholder: write {{name}} with a parameter name' });
        text += '{{';
        i += 2;
        continue;
      }
      const name = m[1] as string;
      if (quote !== null) {
        const where = quote.char === "'" ? 'single' : 'double';
        problems.push({
          offset: i,
          message: `placeholder {{${name}}} is inside ${where} quotes; write it unquoted, it is quoted as one word when filled in`,
        });
      } else if (i > 0 && (template[i - 1] === '$' || template[i - 1] === '~')) {
        problems.push({ offset: i, message: `placeholder {{${name}}} must not follow "${template[i - 1]}"` });
      }
      flush();
      parts.push({ kind: 'param', name, offset: i });
      if (!names.includes(name)) names.push(name);
      i += m[0].length;
      continue;
    }
    if (quote?.char === "'") {
      if (c === "'") quote = null;
      text += c;
      i += 1;
      continue;
    }
    if (quote?.char === '"') {
      if (c === '\\' && i + 1 < template.length) {
        text += template.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '"') quote = null;
      text += c;
      i += 1;
      continue;
    }
    // unquoted
    if (c === '\\' && i + 1 < template.length) {
      text += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = { char: c, offset: i };
      text += c;
      i += 1;
      continue;
    }
    if (c === '#' && (i === 0 || /[\s;&|()]/.test(template[i - 1] as string))) {
      const end = template.indexOf('\n', i);
      const stop = end < 0 ? template.length : end;
      text += template.slice(i, stop);
      i = stop;
      continue;
    }
    text += c;
    i += 1;
  }
  if (quote !== null) {
    problems.push({ offset: quote.offset, message: `unterminated ${quote.char === "'" ? 'single' : 'double'} quote` });
  }
  flush();
  return { parts, names, problems };
}

/**
 * Problems of a template against its declared params: the scan's own
 * problems plus placeholders naming undeclared params (skipped when
 * `declared` is undefined, i.e. not known).
 */
export function checkTemplate(template: string, declared: readonly string[] | undefined): TemplateProblem[] {
  const scanned = scanTemplate(template);
  const problems = [...scanned.problems];
  for (const part of scanned.parts) {
    if (declared !== undefined && part.kind === 'param' && !declared.includes(part.name)) {
      problems.push({
        offset: part.offset,
        message: `placeholder {{${part.name}}} names no declared parameter${declared.length ? ` (declared: ${declared.join(', ')})` : ''}`,
      });
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

/**
 * Fill a template: each placeholder becomes shellQuote(value); a list value
 * becomes its items, each quoted, separated by spaces. A placeholder without
 * a value is PARAM_INVALID. `command` names the command in errors.
 */
export function renderTemplate(command: string, template: string, values: ParamValues): string {
  const scanned = scanTemplate(template);
  const first = scanned.problems[0];
  if (first !== undefined) {
    throw new InfraError('CONFIG_INVALID', `${command}: template: ${first.message}`, { details: { command, offset: first.offset } });
  }
  return scanned.parts
    .map((part) => {
      if (part.kind === 'text') return part.text;
      const value = Object.hasOwn(values, part.name) ? values[part.name] : undefined;
      if (value === undefined) {
        throw new InfraError('PARAM_INVALID', `${command}: parameter ${part.name}: a value is required (no default)`, {
          details: { command, param: part.name, reason: 'missing' },
        });
      }
      if (typeof value === 'string' || typeof value === 'number') return shellQuote(value);
      return value.map((item) => shellQuote(item)).join(' ');
    })
    .join('');
}
