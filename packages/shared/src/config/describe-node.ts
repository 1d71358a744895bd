import { isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';

/**
 * Short description of a YAML value for "expected X, got Y" messages.
 * Strings longer than `quoteLimit` characters are cut and end in "…".
 */
export function describeNode(node: YamlNode | null, quoteLimit = 60): string {
  if (node === null) return 'null';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return `string ${JSON.stringify(v.length > quoteLimit ? `${v.slice(0, quoteLimit)}…` : v)}`;
    if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
    if (typeof v === 'boolean') return `boolean ${String(v)}`;
    return typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : typeof v;
  }
  return 'an unsupported YAML node';
}
