/**
 * Typed command parameters: validation against ParamSpecs (from the CLI,
 * the API and the config file alike) and a stable hash of the values.
 * Every value that passes here is safe to hand to shellQuote() as one word.
 */
import { createHash } from 'node:crypto';
import { InfraError } from '@infrastructor/shared';
import type { CommandSpec, ParamSpec, ParamValue, ParamValues } from './command-spec.js';

/** String/list item length limit when the spec sets none. */
export const DEFAULT_PARAM_MAX_LENGTH = 256;
/** List length limit when the spec sets none. */
export const DEFAULT_LIST_MAX_ITEMS = 32;

export type ParamCheck = { ok: true; value: ParamValue } | { ok: false; reason: string };

/** `^(?:pattern)$`: the whole value must match. Throws SyntaxError for a bad pattern. */
export function compileParamPattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function show(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function describeRaw(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  if (typeof raw === 'string') return `string ${show(raw)}`;
  if (typeof raw === 'number' || typeof raw === 'boolean') return `${typeof raw} ${String(raw)}`;
  return typeof raw;
}

function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

/** One string value (or list item): length, control characters, leading dash, pattern. */
function checkWord(raw: unknown, pattern: string, maxLength: number | undefined): ParamCheck {
  const value = asText(raw);
  if (value === undefined) return { ok: false, reason: `expected a string, got ${describeRaw(raw)}` };
  const limit = maxLength ?? DEFAULT_PARAM_MAX_LENGTH;
  if (value.length > limit) return { ok: false, reason: `is ${value.length} characters long; at most ${limit} are allowed` };
  if (value.includes('\0')) return { ok: false, reason: 'contains a NUL byte' };
  if (/[\r\n]/.test(value)) return { ok: false, reason: 'contains a line break' };
  if (value.startsWith('-')) return { ok: false, reason: `${show(value)} starts with "-" and could be read as an option` };
  let re: RegExp;
  try {
    re = compileParamPattern(pattern);
  } catch (err) {
    throw new InfraError('INTERNAL', `parameter pattern ${JSON.stringify(pattern)} is not a valid regular expression`, { cause: err });
  }
  if (!re.test(value)) return { ok: false, reason: `${show(value)} does not match the pattern ${pattern}` };
  return { ok: true, value };
}

function checkInteger(raw: unknown, spec: Extract<ParamSpec, { type: 'integer' }>): ParamCheck {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^-?[0-9]+$/.test(raw)) n = Number(raw);
  else return { ok: false, reason: `expected an integer, got ${describeRaw(raw)}` };
  if (!Number.isSafeInteger(n)) return { ok: false, reason: `expected an integer, got ${describeRaw(raw)}` };
  if (spec.min !== undefined && n < spec.min) return { ok: false, reason: `${n} is below the minimum ${spec.min}` };
  if (spec.max !== undefined && n > spec.max) return { ok: false, reason: `${n} is above the maximum ${spec.max}` };
  return { ok: true, value: n };
}

function checkList(raw: unknown, spec: Extract<ParamSpec, { type: 'list' }>): ParamCheck {
  let items: readonly unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') items = raw === '' ? [] : raw.split(',');
  else return { ok: false, reason: `expected a list or a comma-separated string, got ${describeRaw(raw)}` };
  if (items.length === 0) return { ok: false, reason: 'needs at least one item' };
  const maxItems = spec.maxItems ?? DEFAULT_LIST_MAX_ITEMS;
  if (items.length > maxItems) return { ok: false, reason: `has ${items.length} items; at most ${maxItems} are allowed` };
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    const r = checkWord(item, spec.pattern, spec.maxLength);
    if (!r.ok) return { ok: false, reason: `item ${i + 1}: ${r.reason}` };
    out.push(r.value as string);
  }
  return { ok: true, value: Object.freeze(out) };
}

/** Check one value against its spec; never throws for bad values (only for a broken spec). */
export function checkParamValue(spec: ParamSpec, raw: unknown): ParamCheck {
  switch (spec.type) {
    case 'string':
      return checkWord(raw, spec.pattern, spec.maxLength);
    case 'integer':
      return checkInteger(raw, spec);
    case 'enum': {
      const value = asText(raw);
      if (value === undefined) return { ok: false, reason: `expected one of ${spec.values.join(', ')}, got ${describeRaw(raw)}` };
      if (!spec.values.includes(value)) return { ok: false, reason: `${show(value)} is not one of ${spec.values.join(', ')}` };
      return { ok: true, value };
    }
    case 'list':
      return checkList(raw, spec);
  }
}

function invalid(command: string, param: string, reason: string): InfraError {
  return new InfraError('PARAM_INVALID', `${command}: parameter ${param}: ${reason}`, { details: { command, param, reason } });
}

/**
 * Validate raw values (CLI strings, JSON, YAML) for a command. Undeclared keys
 * are PARAM_UNKNOWN, bad values PARAM_INVALID (naming the parameter and why).
 * Declared params missing from `raw` get their default; undefined values count
 * as missing. The result is frozen.
 */
export function validateParams(command: Pick<CommandSpec, 'name' | 'params'>, raw: Readonly<Record<string, unknown>>): ParamValues {
  const declared = Object.keys(command.params);
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || Object.hasOwn(command.params, key)) continue;
    throw new InfraError(
      'PARAM_UNKNOWN',
      `${command.name} has no parameter ${JSON.stringify(key)}${declared.length ? ` (it takes: ${declared.join(', ')})` : ' (it takes none)'}`,
      { details: { command: command.name, param: key, declared } },
    );
  }
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(command.params)) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined) {
      if (spec.default !== undefined) out[name] = Array.isArray(spec.default) ? Object.freeze([...spec.default]) : spec.default;
      continue;
    }
    const r = checkParamValue(spec, value);
    if (!r.ok) throw invalid(command.name, name, r.reason);
    out[name] = r.value;
  }
  return Object.freeze(out);
}

/** Stable identity of a set of values (cache keys, audit rows): sha256 of sorted-key JSON, 16 hex chars. */
export function paramsHash(values: ParamValues): string {
  const canonical = JSON.stringify(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
