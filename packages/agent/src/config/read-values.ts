/**
 * Typed readers for YAML values. Each returns the value, or undefined after
 * recording a problem (so the caller keeps going and all problems surface).
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { isScalar } from 'yaml';
import { validateDetailed } from 'node-cron';
import type { MapView, ValueRef, YamlSource } from './yaml-source.js';

export type Reader<T> = (ref: ValueRef) => T | undefined;

export interface StringRules {
  /** Whole value must match. */
  pattern?: RegExp;
  /** Human description of the pattern for the message, e.g. "letters, digits, - _ ." */
  patternHint?: string;
  maxLength?: number;
  allowEmpty?: boolean;
}

export function readString(src: YamlSource, ref: ValueRef, rules: StringRules = {}): string | undefined {
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

export interface IntegerRules {
  min?: number;
  max?: number;
}

export function readInteger(src: YamlSource, ref: ValueRef, rules: IntegerRules = {}): number | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) {
    return src.wrongType(ref, 'an integer');
  }
  const v = node.value;
  if (rules.min !== undefined && v < rules.min) return src.invalid(ref, `must be at least ${rules.min}, got ${v}`);
  if (rules.max !== undefined && v > rules.max) return src.invalid(ref, `must be at most ${rules.max}, got ${v}`);
  return v;
}

export function readBoolean(src: YamlSource, ref: ValueRef): boolean | undefined {
  const node = ref.node;
  if (node === null || !isScalar(node) || typeof node.value !== 'boolean') return src.wrongType(ref, 'true or false');
  return node.value;
}

export function readEnum<T extends string>(src: YamlSource, ref: ValueRef, values: readonly T[]): T | undefined {
  const node = ref.node;
  const expected = `one of ${values.join(', ')}`;
  if (node === null || !isScalar(node) || typeof node.value !== 'string') return src.wrongType(ref, expected);
  const v = node.value;
  if (!(values as readonly string[]).includes(v)) return src.invalid(ref, `expected ${expected}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function readStringList(src: YamlSource, ref: ValueRef, rules: StringRules & { unique?: boolean } = {}): string[] | undefined {
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
export function readCron(src: YamlSource, ref: ValueRef): string | undefined {
  const v = readString(src, ref);
  if (v === undefined) return undefined;
  const result = validateDetailed(v);
  if (!result.valid) {
    const why = result.errors.map((e) => e.message).join('; ') || 'not a cron expression';
    return src.invalid(ref, `invalid cron expression ${JSON.stringify(v)}: ${why}`);
  }
  return v;
}

/**
 * A filesystem path: "~" and "~/..." expand to the home directory, relative
 * paths resolve against `baseDir` (the config file's folder).
 */
export function resolveConfigPath(value: string, baseDir: string, homeDir: string = homedir()): string {
  if (value === '~') return homeDir;
  if (value.startsWith('~/')) return resolve(homeDir, value.slice(2));
  return isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
}

export function readPath(src: YamlSource, ref: ValueRef, baseDir: string): string | undefined {
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
export function required<T>(src: YamlSource, view: MapView, key: string, read: Reader<T>, why = ''): T | undefined {
  const ref = view.get(key);
  if (ref === undefined) {
    return src.invalid({ path: view.pathOf(key), pos: view.keyPos(key) }, `required key is missing${why}`);
  }
  return read(ref);
}
