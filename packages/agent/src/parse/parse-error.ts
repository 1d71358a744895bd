import { InfraError } from '@infrastructor/shared';

const SNIPPET_MAX_CHARS = 200;

/** A short, printable excerpt of the input for error messages. */
export function snippet(text: string, maxChars = SNIPPET_MAX_CHARS): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return JSON.stringify(cut);
}

/**
 * The one way a parser reports unreadable input: PARSE_FAILED naming the
 * parser and quoting a snippet of what it could not read. Never return zeros.
 */
export function parseError(parser: string, reason: string, input: string): InfraError {
  return new InfraError('PARSE_FAILED', `${parser}: ${reason}; input: ${snippet(input)}`, {
    details: { parser, reason, snippet: input.slice(0, SNIPPET_MAX_CHARS) },
  });
}
