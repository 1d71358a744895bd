/**
 * `userCommands` (definitions with typed params and a template) and the
 * command overrides in `commands` and `hosts[].commands`.
 */
import type { ParamSpec } from '../registry/command-spec.js';
import { checkParamValue, compileParamPattern } from '../registry/params.js';
import { checkTemplate } from '../registry/template.js';
import { GENERIC_PARSERS, type FindParser } from '../registry/user-commands.js';
import type { CommandOverride, UserCommandConfig } from './agent-config.js';
import { closestKey, readBoolean, readInteger, type MapView, type ValueRef, type YamlReader } from '@infrastructor/shared';
import { optional, readCron, readEnum, readString, readStringList, required, withDefault } from './read-values.js';

export const USER_COMMAND_DEFAULTS = {
  description: '',
  parser: 'raw',
  schedule: '*/15 * * * *',
  ttlMs: 60_000,
  timeoutMs: 30_000,
  retries: 0,
  enabled: true,
} as const;

export const COMMAND_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
export const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const OVERRIDE_KEYS = ['enabled', 'schedule', 'ttlMs', 'timeoutMs', 'retries', 'params'] as const;
const USER_COMMAND_KEYS = ['description', 'template', 'params', 'parser', 'schedule', 'ttlMs', 'timeoutMs', 'retries', 'enabled'] as const;
const PARAM_TYPES = ['enum', 'integer', 'string', 'list'] as const;
const PARAM_KEYS_BY_TYPE: Record<(typeof PARAM_TYPES)[number], readonly string[]> = {
  enum: ['type', 'description', 'default', 'values'],
  integer: ['type', 'description', 'default', 'min', 'max'],
  string: ['type', 'description', 'default', 'pattern', 'maxLength'],
  list: ['type', 'description', 'default', 'pattern', 'maxLength', 'maxItems'],
};
const ALL_PARAM_KEYS = [...new Set(Object.values(PARAM_KEYS_BY_TYPE).flat())];

/** Known commands by name: their ParamSpecs, or null when the definition itself was invalid. */
export type KnownCommands = ReadonlyMap<string, Readonly<Record<string, ParamSpec>> | null>;

const ttlReader = (src: YamlReader) => (r: ValueRef) => readInteger(src, r, { min: 0 });
const timeoutReader = (src: YamlReader) => (r: ValueRef) => readInteger(src, r, { min: 100 });
const retriesReader = (src: YamlReader) => (r: ValueRef) => readInteger(src, r, { min: 0, max: 10 });

function readParamSpec(src: YamlReader, ref: ValueRef): ParamSpec | undefined {
  const view = src.map(ref, ALL_PARAM_KEYS);
  if (view === undefined) return undefined;
  const type = required(src, view, 'type', (r) => readEnum(src, r, PARAM_TYPES));
  if (type === undefined) return undefined;
  const before = src.problems.length;
  for (const key of ALL_PARAM_KEYS) {
    if (view.has(key) && !PARAM_KEYS_BY_TYPE[type].includes(key)) {
      src.unknownKey(view.pathOf(key), view.keyPos(key), `key ${JSON.stringify(key)} does not apply to type ${type}`);
    }
  }
  const description = withDefault(view, 'description', (r) => readString(src, r, { allowEmpty: true, maxLength: 1000 }), '');
  const pattern = (): string | undefined =>
    required(src, view, 'pattern', (r) => {
      const p = readString(src, r, { maxLength: 1000 });
      if (p === undefined) return undefined;
      try {
        compileParamPattern(p);
        return p;
      } catch (err) {
        return src.invalid(r, `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  const lengthLimit = (): number | undefined => optional(view, 'maxLength', (r) => readInteger(src, r, { min: 1, max: 65_536 }));
  let spec: ParamSpec | undefined;
  switch (type) {
    case 'enum': {
      const values = required(src, view, 'values', (r) => {
        const list = readStringList(src, r, { unique: true, maxLength: 256 });
        if (list !== undefined && list.length === 0) return src.invalid(r, 'needs at least one value');
        return list;
      });
      if (values !== undefined) spec = { type, values, description };
      break;
    }
    case 'integer': {
      const min = optional(view, 'min', (r) => readInteger(src, r));
      const max = optional(view, 'max', (r) => readInteger(src, r));
      if (min !== undefined && max !== undefined && min > max) src.invalid(view.get('max') as ValueRef, `must be at least min (${min}), got ${max}`);
      spec = { type, description, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
      break;
    }
    case 'string': {
      const p = pattern();
      const maxLength = lengthLimit();
      if (p !== undefined) spec = { type, pattern: p, description, ...(maxLength === undefined ? {} : { maxLength }) };
      break;
    }
    case 'list': {
      const p = pattern();
      const maxLength = lengthLimit();
      const maxItems = optional(view, 'maxItems', (r) => readInteger(src, r, { min: 1, max: 10_000 }));
      if (p !== undefined) {
        spec = {
          type,
          pattern: p,
          description,
          ...(maxLength === undefined ? {} : { maxLength }),
          ...(maxItems === undefined ? {} : { maxItems }),
        };
      }
      break;
    }
  }
  if (spec === undefined || src.problems.length > before) return undefined;
  const defaultRef = view.get('default');
  if (defaultRef !== undefined) {
    const raw = src.plainValue(defaultRef, 'a string, number or list');
    if (raw === undefined) return undefined;
    const checked = checkParamValue(spec, raw);
    if (!checked.ok) return src.invalid(defaultRef, checked.reason);
    return { ...spec, default: checked.value } as ParamSpec;
  }
  return spec;
}

function readParamSpecs(src: YamlReader, ref: ValueRef): Record<string, ParamSpec> | undefined {
  const entries = src.entries(ref);
  if (entries === undefined) return undefined;
  const out: Record<string, ParamSpec> = {};
  let ok = true;
  for (const e of entries) {
    if (!PARAM_NAME_RE.test(e.key)) {
      src.invalid({ path: e.value.path, pos: e.keyPos }, `parameter name ${JSON.stringify(e.key)} must be letters, digits and _ (not starting with a digit)`);
      ok = false;
      continue;
    }
    if (e.value.node === null) {
      src.invalid(e.value, 'expected a parameter definition (a mapping with at least type), got null');
      ok = false;
      continue;
    }
    const spec = readParamSpec(src, e.value);
    if (spec === undefined) ok = false;
    else out[e.key] = spec;
  }
  return ok ? out : undefined;
}

function readTemplate(src: YamlReader, ref: ValueRef, declared: readonly string[] | undefined): string | undefined {
  const template = readString(src, ref, { maxLength: 16_384 });
  if (template === undefined) return undefined;
  if (template.includes('\0')) return src.invalid(ref, 'a template cannot contain a NUL byte');
  // Without valid params (undefined), only the template's own shape can be checked.
  const problems = checkTemplate(template, declared);
  for (const p of problems) {
    const around = template.slice(Math.max(0, p.offset - 15), p.offset + 25);
    src.invalid(ref, `${p.message} (at character ${p.offset + 1}: …${around}…)`);
  }
  return problems.length === 0 ? template : undefined;
}

export interface UserCommandsResult {
  commands: Record<string, UserCommandConfig>;
  /** Names defined (valid or not), so overrides naming them are not "unknown". */
  names: string[];
}

export function readUserCommands(src: YamlReader, root: MapView, builtinNames: readonly string[], findParser: FindParser): UserCommandsResult {
  const result: UserCommandsResult = { commands: {}, names: [] };
  const ref = root.get('userCommands');
  if (ref === undefined) return result;
  const entries = src.entries(ref);
  for (const e of entries ?? []) {
    const keyRef = { path: e.value.path, pos: e.keyPos };
    if (!COMMAND_NAME_RE.test(e.key)) {
      src.invalid(keyRef, `command name ${JSON.stringify(e.key)} must be lowercase letters, digits and _, starting with a letter (at most 64)`);
      continue;
    }
    if (builtinNames.includes(e.key)) {
      src.invalid(keyRef, `${JSON.stringify(e.key)} is a built-in command; choose another name`);
      continue;
    }
    result.names.push(e.key);
    const before = src.problems.length;
    const view = src.map(e.value, USER_COMMAND_KEYS);
    if (view === undefined) continue;
    const paramsRef = view.get('params');
    const params = paramsRef === undefined ? {} : readParamSpecs(src, paramsRef);
    const template = required(src, view, 'template', (r) => readTemplate(src, r, params === undefined ? undefined : Object.keys(params)));
    const parser = withDefault(
      view,
      'parser',
      (r) => {
        const name = readString(src, r);
        if (name === undefined) return undefined;
        if ((GENERIC_PARSERS as readonly string[]).includes(name) || findParser(name) !== undefined) return name;
        return src.invalid(r, `no parser named ${JSON.stringify(name)}; use ${GENERIC_PARSERS.join(', ')} or a parser from \`infra-agent parsers\``);
      },
      USER_COMMAND_DEFAULTS.parser,
    );
    const d = USER_COMMAND_DEFAULTS;
    const config: UserCommandConfig = {
      description: withDefault(view, 'description', (r) => readString(src, r, { allowEmpty: true, maxLength: 1000 }), d.description),
      template: template ?? '',
      params: params ?? {},
      parser,
      schedule: withDefault(view, 'schedule', (r) => readCron(src, r), d.schedule),
      ttlMs: withDefault(view, 'ttlMs', ttlReader(src), d.ttlMs),
      timeoutMs: withDefault(view, 'timeoutMs', timeoutReader(src), d.timeoutMs),
      retries: withDefault(view, 'retries', retriesReader(src), d.retries),
      enabled: withDefault(view, 'enabled', (r) => readBoolean(src, r), d.enabled),
    };
    if (src.problems.length === before) result.commands[e.key] = config;
  }
  return result;
}

function readOverrideParams(
  src: YamlReader,
  ref: ValueRef,
  command: string,
  specs: Readonly<Record<string, ParamSpec>> | null,
): Record<string, string | number | readonly string[]> | undefined {
  const entries = src.entries(ref);
  if (entries === undefined || specs === null) return undefined;
  const out: Record<string, string | number | readonly string[]> = {};
  const declared = Object.keys(specs);
  for (const e of entries) {
    const spec = Object.hasOwn(specs, e.key) ? specs[e.key] : undefined;
    if (spec === undefined) {
      const hint = closestKey(e.key, declared);
      src.unknownKey(
        e.value.path,
        e.keyPos,
        `command ${command} has no parameter ${JSON.stringify(e.key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; it takes: ${declared.join(', ') || 'none'}`,
      );
      continue;
    }
    if (e.value.node === null) {
      src.invalid(e.value, 'expected a value, got null');
      continue;
    }
    const raw = src.plainValue(e.value, 'a string, number or list');
    if (raw === undefined) continue;
    const checked = checkParamValue(spec, raw);
    if (!checked.ok) src.invalid(e.value, checked.reason);
    else out[e.key] = checked.value;
  }
  return out;
}

/** A `commands:` mapping (top level or per host): overrides by command name. */
export function readOverrides(src: YamlReader, ref: ValueRef | undefined, known: KnownCommands): Record<string, CommandOverride> {
  const out: Record<string, CommandOverride> = {};
  if (ref === undefined) return out;
  for (const e of src.entries(ref) ?? []) {
    if (!known.has(e.key)) {
      const names = [...known.keys()];
      const hint = closestKey(e.key, names);
      src.unknownKey(
        e.value.path,
        e.keyPos,
        `no command named ${JSON.stringify(e.key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; known: ${names.join(', ') || 'none'}`,
      );
      continue;
    }
    if (e.value.node === null) {
      out[e.key] = {};
      continue;
    }
    const view = src.map(e.value, OVERRIDE_KEYS);
    if (view === undefined) continue;
    const override: CommandOverride = {};
    const enabled = optional(view, 'enabled', (r) => readBoolean(src, r));
    const schedule = optional(view, 'schedule', (r) => readCron(src, r));
    const ttlMs = optional(view, 'ttlMs', ttlReader(src));
    const timeoutMs = optional(view, 'timeoutMs', timeoutReader(src));
    const retries = optional(view, 'retries', retriesReader(src));
    const paramsRef = view.get('params');
    const params = paramsRef === undefined ? undefined : readOverrideParams(src, paramsRef, e.key, known.get(e.key) ?? null);
    if (enabled !== undefined) override.enabled = enabled;
    if (schedule !== undefined) override.schedule = schedule;
    if (ttlMs !== undefined) override.ttlMs = ttlMs;
    if (timeoutMs !== undefined) override.timeoutMs = timeoutMs;
    if (retries !== undefined) override.retries = retries;
    if (params !== undefined) override.params = params;
    out[e.key] = override;
  }
  return out;
}
