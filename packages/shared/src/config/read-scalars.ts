/**
 * Typed readers for scalar YAML values that both configurations read the
 * same way. Each returns the value, or undefined after recording a problem.
 */
import { isScalar } from 'yaml';
import type { ValueRef, YamlReader } from './yaml-reader.js';

export interface IntegerRules {
  min?: number;
  max?: number;
}

export function readInteger(reader: YamlReader, ref: ValueRef, rules: IntegerRules = {}): number | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) {
    return reader.wrongType(ref, 'an integer');
  }
  const v = node.value;
  if (rules.min !== undefined && v < rules.min) return reader.invalid(ref, `must be at least ${rules.min}, got ${v}`);
  if (rules.max !== undefined && v > rules.max) return reader.invalid(ref, `must be at most ${rules.max}, got ${v}`);
  return v;
}

export function readBoolean(reader: YamlReader, ref: ValueRef): boolean | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'boolean') return reader.wrongType(ref, 'true or false');
  return node.value;
}
