import { parseError } from './parse-error.js';

export const NGINX_CONF_PARSER = 'nginx-conf';

export interface NginxToken {
  kind: 'word' | ';' | '{' | '}';
  /** Unescaped text of a word; the punctuation itself otherwise. */
  text: string;
  /** 1-based line the token starts on. */
  line: number;
}

export interface NginxDirective {
  name: string;
  args: string[];
  line: number;
  /** Child directives of a block directive (`server { ... }`); null for `name args;`. */
  block: NginxDirective[] | null;
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** nginx's escapes: \" \' \\ become the character, \t \r \n control characters, anything else stays. */
function unescape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] ?? '';
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1] ?? '';
      if (next === '"' || next === "'" || next === '\\') {
        out += next;
        i++;
        continue;
      }
      if (next === 't' || next === 'r' || next === 'n') {
        out += next === 't' ? '\t' : next === 'r' ? '\r' : '\n';
        i++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/**
 * Split an nginx config into words and `;` `{` `}` the way nginx's own
 * reader does: `#` starts a comment only at the start of a word, quotes
 * group a word, backslash escapes the next character, `${var}` does not open
 * a block, and `}` inside a word is part of it.
 */
export function tokenizeNginx(text: string): NginxToken[] {
  const tokens: NginxToken[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const ch = text[i] ?? '';
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ kind: ch, text: ch, line });
      i++;
      continue;
    }
    const startLine = line;
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let raw = '';
      let closed = false;
      while (j < n) {
        const c = text[j] ?? '';
        if (c === '\\' && j + 1 < n) {
          raw += c + (text[j + 1] ?? '');
          if (text[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          j++;
          break;
        }
        if (c === '\n') line++;
        raw += c;
        j++;
      }
      if (!closed) {
        throw parseError(NGINX_CONF_PARSER, `line ${startLine}: unterminated ${ch === '"' ? 'double' : 'single'}-quoted string`, text.slice(i, i + 80));
      }
      const after = text[j];
      if (after !== undefined && !isSpace(after) && after !== ';' && after !== '{' && after !== ')') {
        throw parseError(NGINX_CONF_PARSER, `line ${line}: unexpected ${JSON.stringify(after)} after a quoted string`, text.slice(i, j + 20));
      }
      tokens.push({ kind: 'word', text: unescape(raw), line: startLine });
      i = j;
      continue;
    }
    let j = i;
    let variable = false;
    while (j < n) {
      const c = text[j] ?? '';
      if (c === '{' && variable) {
        j++;
        continue;
      }
      variable = false;
      if (c === '\\' && j + 1 < n) {
        if (text[j + 1] === '\n') line++;
        j += 2;
        continue;
      }
      if (c === '$') {
        variable = true;
        j++;
        continue;
      }
      if (isSpace(c) || c === ';' || c === '{') break;
      j++;
    }
    tokens.push({ kind: 'word', text: unescape(text.slice(i, j)), line: startLine });
    i = j;
  }
  return tokens;
}

/** Tokens into a directive tree. Unbalanced braces and unterminated directives fail with their line. */
export function parseNginxDirectives(text: string): NginxDirective[] {
  const tokens = tokenizeNginx(text);
  const root: NginxDirective[] = [];
  const open: NginxDirective[] = [];
  let args: NginxToken[] = [];
  const current = (): NginxDirective[] => open[open.length - 1]?.block ?? root;
  for (const t of tokens) {
    if (t.kind === 'word') {
      args.push(t);
      continue;
    }
    if (t.kind === ';' || t.kind === '{') {
      const first = args[0];
      if (!first) throw parseError(NGINX_CONF_PARSER, `line ${t.line}: unexpected "${t.kind}"`, lineOf(text, t.line));
      const d: NginxDirective = {
        name: first.text,
        args: args.slice(1).map((a) => a.text),
        line: first.line,
        block: t.kind === '{' ? [] : null,
      };
      current().push(d);
      if (t.kind === '{') open.push(d);
      args = [];
      continue;
    }
    // '}'
    if (args.length > 0) {
      throw parseError(NGINX_CONF_PARSER, `line ${t.line}: unexpected "}" (missing ";" after "${args[0]?.text ?? ''}"?)`, lineOf(text, t.line));
    }
    if (open.length === 0) {
      throw parseError(NGINX_CONF_PARSER, `line ${t.line}: unbalanced braces: "}" without an open block`, lineOf(text, t.line));
    }
    open.pop();
  }
  const pending = args[0];
  if (pending) {
    throw parseError(NGINX_CONF_PARSER, `line ${pending.line}: unexpected end of file, expecting ";" or "}" after "${pending.text}"`, lineOf(text, pending.line));
  }
  const unclosed = open[open.length - 1];
  if (unclosed) {
    throw parseError(
      NGINX_CONF_PARSER,
      `line ${unclosed.line}: unbalanced braces: block "${unclosed.name}" is not closed before end of file`,
      lineOf(text, unclosed.line),
    );
  }
  return root;
}

function lineOf(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}
