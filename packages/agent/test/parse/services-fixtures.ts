import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'vitest';
import { isInfraError } from '@infrastructor/shared';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixture(kind: string, name: string): string {
  return readFileSync(path.join(FIXTURES_DIR, kind, name), 'utf8');
}

/** Runs fn and checks it threw PARSE_FAILED naming the parser and quoting the input. */
export function expectParseFailed(fn: () => unknown, parser: string, messagePart?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected the parser to throw').toBeDefined();
  if (!isInfraError(thrown)) throw new Error(`expected an InfraError, got ${String(thrown)}`);
  expect(thrown.code).toBe('PARSE_FAILED');
  expect(thrown.message.startsWith(`${parser}: `)).toBe(true);
  expect(thrown.message).toContain('; input: "');
  expect(thrown.details.parser).toBe(parser);
  if (messagePart) expect(thrown.message).toMatch(messagePart);
}
