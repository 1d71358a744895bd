/**
 * The hub configuration's string readers. Each returns the value, or
 * undefined after recording a problem on the reader. (Their messages do not
 * quote the value: some hub strings are secrets.)
 */
import { isScalar } from 'yaml';
import type { ValueRef, YamlReader } from '@infrastructor/shared';

export interface StringRules {
  /** Whole value must match. */
  pattern?: RegExp;
  /** What the pattern allows, for the message, e.g. "a hostname or IP address". */
  hint?: string;
  maxLength?: number;
}

export function readString(y: YamlReader, ref: ValueRef, rules: StringRules = {}): string | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'string') return y.wrongType(ref, 'a string');
  const v = node.value;
  if (v === '') return y.invalid(ref, 'must not be empty');
  if (rules.maxLength !== undefined && v.length > rules.maxLength) return y.invalid(ref, `must be at most ${rules.maxLength} characters`);
  if (rules.pattern !== undefined && !rules.pattern.test(v)) return y.invalid(ref, `is not allowed here${rules.hint ? `; use ${rules.hint}` : ''}`);
  return v;
}

export function readOneOf<T extends string>(y: YamlReader, ref: ValueRef, values: readonly T[]): T | undefined {
  const v = readString(y, ref);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) return y.invalid(ref, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}
