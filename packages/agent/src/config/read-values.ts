/**
 * Typed readers for YAML values. Each returns the value, or undefined after
 * recording a problem (so the caller keeps going and all problems surface).
 */
import { isScalar } from 'yaml';
import { validateDetailed } from 'node-cron';
import { resolveConfigPath, type MapView, type ValueRef, type YamlReader } from '@infrastructor/shared';

export type Reader<T> = (ref: ValueRef) => T | undefined;

export interface StringRules {
  /** Whole value must match. */
  pattern?: RegExp;
  /** Human description of the pattern for the message, e.g. "letters, digits, - _ ." */
  patternHint?: string;
  maxLength?: number;
  allowEmpty?: boolean;
}

export function readString(src: YamlReader, ref: ValueRef, rules: StringRules = {}): string | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'string') return src.wrongType(ref, 'a string');
  const v = node.value;
  if (v === '' && !rules.allowEmpty) return src.invalid(ref, 'must not be empty');
  if (rules.maxLength !== undefined && v.length > rules.maxLength) {
    return src.invalid(ref, `must be at most ${rules.maxLength} characters, got ${v.length}`);
  }
  if (rules.pattern !== undefined && !rules.pattern.test(v)) {
    return src.invalid(ref, `${JSON.stringify(v)} is not allowed here${rules.patternHint ? `; use ${rules.patternHint}` : ''}`);
  }
  return v;
}

export function readEnum<T extends string>(src: YamlReader, ref: ValueRef, values: readonly T[]): T | undefined {
  const node = ref.node;
  const expected = `one of ${values.join(', ')}`;
  if (node === null || !isScalar(node) || typeof node.value !== 'string') return src.wrongType(ref, expected);
  const v = node.value;
  if (!(values as readonly string[]).includes(v)) return src.invalid(ref, `expected ${expected}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function readStringList(src: YamlReader, ref: ValueRef, rules: StringRules & { unique?: boolean } = {}): string[] | undefined {
  const items = src.items(ref);
  if (items === undefined) return undefined;
  const out: string[] = [];
  let ok = true;
  for (const item of items) {
    const v = readString(src, item, rules);
    if (v === undefined) ok = false;
    else if (rules.unique && out.includes(v)) {
      src.invalid(item, `${JSON.stringify(v)} is listed twice`);
      ok = false;
    } else out.push(v);
  }
  return ok ? out : undefined;
}

/** A node-cron expression (5 fields, or 6 with seconds first). */
export function readCron(src: YamlReader, ref: ValueRef): string | undefined {
  const v = readString(src, ref);
  if (v === undefined) return undefined;
  const result = validateDetailed(v);
  if (!result.valid) {
    const why = result.errors.map((e) => e.message).join('; ') || 'not a cron expression';
    return src.invalid(ref, `invalid cron expression ${JSON.stringify(v)}: ${why}`);
  }
  return v;
}

export function readPath(src: YamlReader, ref: ValueRef, baseDir: string): string | undefined {
  const v = readString(src, ref);
  if (v === undefined) return undefined;
  if (/^~[^/]/.test(v)) return src.invalid(ref, `only "~" and "~/..." are expanded, not ${JSON.stringify(v)}`);
  if (v.includes('\0')) return src.invalid(ref, 'a path cannot contain NUL');
  return resolveConfigPath(v, baseDir);
}

/** The key's value read with `read`, or undefined when absent. */
export function optional<T>(view: MapView, key: string, read: Reader<T>): T | undefined {
  const ref = view.get(key);
  return ref === undefined ? undefined : read(ref);
}

/** The key's value read with `read`, or `fallback` when absent (or invalid: a problem is recorded then). */
export function withDefault<T>(view: MapView, key: string, read: Reader<T>, fallback: T): T {
  return optional(view, key, read) ?? fallback;
}

/** The key's value; a "required key is missing" problem when absent. */
export function required<T>(src: YamlReader, view: MapView, key: string, read: Reader<T>, why = ''): T | undefined {
  const ref = view.get(key);
  if (ref === undefined) {
    return src.invalid({ path: view.pathOf(key), pos: view.keyPos(key) }, `required key is missing${why}`);
  }
  return read(ref);
}
