import { parseError } from './parse-error.js';

/**
 * Several outputs in one channel. A script wraps each part with
 * `sectionScript()`; the output then looks like
 *
 *   @@INFRA:<nonce>:BEGIN <name>
 *   <exact bytes the part printed>
 *   @@INFRA:<nonce>:END <name> <exit code>
 *
 * (the END marker is preceded by a newline the wrapper adds, which
 * `splitSections` removes, so a section's text is byte-exact). The nonce is
 * random per run so file contents cannot forge a marker.
 */
export interface Section {
  name: string;
  text: string;
  exitCode: number;
}

const NAME_RE = /^[A-Za-z0-9_.:/@-]+$/;

export function newNonce(): string {
  return Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0') + Date.now().toString(16);
}

/**
 * Shell snippet that runs `command` (a trusted, already-quoted shell string)
 * as section `name`. stderr is not captured into the section.
 */
export function sectionScript(nonce: string, name: string, command: string): string {
  if (!NAME_RE.test(name)) throw new TypeError(`bad section name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]+$/.test(nonce)) throw new TypeError('bad nonce');
  return `printf '@@INFRA:${nonce}:BEGIN %s\\n' '${name}'; { ${command}\n}; printf '\\n@@INFRA:${nonce}:END %s %d\\n' '${name}' "$?"`;
}

/** Split a sectioned output. Throws PARSE_FAILED when markers are missing or unbalanced. */
export function splitSections(parser: string, output: string): Section[] {
  const first = /^@@INFRA:([0-9a-f]+):BEGIN /.exec(output);
  if (!first) throw parseError(parser, 'output does not start with a section marker', output);
  const nonce = first[1] as string;
  const begin = `@@INFRA:${nonce}:BEGIN `;
  const end = `\n@@INFRA:${nonce}:END `;
  const sections: Section[] = [];
  let pos = 0;
  while (pos < output.length) {
    if (!output.startsWith(begin, pos)) {
      const rest = output.slice(pos);
      if (rest.trim() === '') break;
      throw parseError(parser, 'text outside of a section', rest);
    }
    const nameEnd = output.indexOf('\n', pos);
    if (nameEnd < 0) throw parseError(parser, 'truncated section header', output.slice(pos));
    const name = output.slice(pos + begin.length, nameEnd);
    const endAt = output.indexOf(`${end}${name} `, nameEnd);
    if (endAt < 0) throw parseError(parser, `section ${name} has no end marker (output cut short?)`, output.slice(pos));
    const text = output.slice(nameEnd + 1, endAt);
    const lineEnd = output.indexOf('\n', endAt + 1);
    const endLine = output.slice(endAt + 1, lineEnd < 0 ? output.length : lineEnd);
    const code = Number(endLine.slice(endLine.lastIndexOf(' ') + 1));
    if (!Number.isInteger(code)) throw parseError(parser, `section ${name} has a bad exit status`, endLine);
    sections.push({ name, text, exitCode: code });
    pos = lineEnd < 0 ? output.length : lineEnd + 1;
  }
  return sections;
}

/** The section with that name, or PARSE_FAILED. */
export function requireSection(parser: string, sections: readonly Section[], name: string): Section {
  const s = sections.find((x) => x.name === name);
  if (!s) throw parseError(parser, `missing section ${name}`, sections.map((x) => x.name).join(','));
  return s;
}
