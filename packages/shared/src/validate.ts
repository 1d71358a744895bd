import { InfraError, isErrorCode, type ErrorCode } from './errors.js';

/**
 * Checks for values decoded from untrusted bytes (wire frames, stored
 * payloads). Every reader takes the object, the field and where it came
 * from, and throws an InfraError with the caller's code naming the field.
 */
export type Fields = Readonly<Record<string, unknown>>;

export class Checker {
  constructor(
    readonly where: string,
    readonly code: ErrorCode = 'FRAME_INVALID',
  ) {}

  fail(field: string, expected: string, value: unknown): InfraError {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : value instanceof Uint8Array ? `${value.byteLength} bytes` : typeof value;
    return new InfraError(this.code, `${this.where}: ${field} must be ${expected} (got ${got})`, {
      details: { where: this.where, field },
    });
  }

  object(value: unknown, field = 'value'): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw this.fail(field, 'an object', value);
    }
    return value as Fields;
  }

  string(o: Fields, field: string, opts: { maxLength?: number; pattern?: RegExp } = {}): string {
    const v = o[field];
    if (typeof v !== 'string') throw this.fail(field, 'a string', v);
    if (opts.maxLength !== undefined && v.length > opts.maxLength) throw this.fail(field, `at most ${opts.maxLength} characters`, v);
    if (opts.pattern && !opts.pattern.test(v)) throw this.fail(field, `a string matching ${String(opts.pattern)}`, v);
    return v;
  }

  optionalString(o: Fields, field: string, opts: { maxLength?: number; pattern?: RegExp } = {}): string | undefined {
    return o[field] === undefined ? undefined : this.string(o, field, opts);
  }

  stringOrNull(o: Fields, field: string, opts: { maxLength?: number } = {}): string | null {
    return o[field] === null ? null : this.string(o, field, opts);
  }

  int(o: Fields, field: string, opts: { min?: number; max?: number } = {}): number {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw this.fail(field, 'an integer', v);
    if (opts.min !== undefined && v < opts.min) throw this.fail(field, `≥ ${opts.min}`, v);
    if (opts.max !== undefined && v > opts.max) throw this.fail(field, `≤ ${opts.max}`, v);
    return v;
  }

  intOrNull(o: Fields, field: string, opts: { min?: number; max?: number } = {}): number | null {
    return o[field] === null ? null : this.int(o, field, opts);
  }

  number(o: Fields, field: string, opts: { min?: number } = {}): number {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.fail(field, 'a finite number', v);
    if (opts.min !== undefined && v < opts.min) throw this.fail(field, `≥ ${opts.min}`, v);
    return v;
  }

  boolean(o: Fields, field: string): boolean {
    const v = o[field];
    if (typeof v !== 'boolean') throw this.fail(field, 'a boolean', v);
    return v;
  }

  oneOf<T extends string>(o: Fields, field: string, values: readonly T[]): T {
    const v = o[field];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw this.fail(field, `one of ${values.join('|')}`, v);
    return v as T;
  }

  bytes(o: Fields, field: string): Uint8Array {
    const v = o[field];
    if (!(v instanceof Uint8Array)) throw this.fail(field, 'bytes', v);
    return v;
  }

  array(o: Fields, field: string, opts: { maxItems?: number } = {}): readonly unknown[] {
    const v = o[field];
    if (!Array.isArray(v)) throw this.fail(field, 'an array', v);
    if (opts.maxItems !== undefined && v.length > opts.maxItems) throw this.fail(field, `at most ${opts.maxItems} items`, v);
    return v;
  }

  stringArray(o: Fields, field: string, opts: { maxItems?: number; maxLength?: number } = {}): string[] {
    const arr = this.array(o, field, opts);
    return arr.map((item, i) => {
      if (typeof item !== 'string') throw this.fail(`${field}[${i}]`, 'a string', item);
      if (opts.maxLength !== undefined && item.length > opts.maxLength) throw this.fail(`${field}[${i}]`, `at most ${opts.maxLength} characters`, item);
      return item;
    });
  }

  errorCode(o: Fields, field: string): ErrorCode {
    const v = o[field];
    if (!isErrorCode(v)) throw this.fail(field, 'a known error code', v);
    return v;
  }

  errorCodeOrNull(o: Fields, field: string): ErrorCode | null {
    return o[field] === null ? null : this.errorCode(o, field);
  }

  /** Parameter values: string | finite number | string[] per key. */
  params(o: Fields, field: string): Record<string, string | number | string[]> {
    const obj = this.object(o[field], field);
    const out: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw this.fail(`${field}.${k}`, 'not a reserved key', v);
      if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
      else if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) out[k] = [...v];
      else throw this.fail(`${field}.${k}`, 'a string, number or list of strings', v);
    }
    return out;
  }
}
