/**
 * The command registry: built-in and user-defined commands by name, and the
 * effective settings of a command on a host (command defaults < top-level
 * `commands` override < the host's own `commands` override).
 */
import { InfraError } from '@infrastructor/shared';
import type { AgentConfig, CommandOverride, HostConfig } from '../config/agent-config.js';
import type { CommandSpec, ParamValues } from './command-spec.js';
import { paramsHash, validateParams } from './params.js';
import { buildUserCommand, type FindParser } from './user-commands.js';

export interface EffectiveSettings {
  enabled: boolean;
  schedule: string;
  ttlMs: number;
  timeoutMs: number;
  retries: number;
  /** Configured values merged over the command's defaults, validated. */
  params: ParamValues;
}

export interface Registry {
  /** COMMAND_UNKNOWN when there is no such command. */
  get(name: string): CommandSpec;
  /** Built-ins first (in their order), then user commands (in file order). */
  list(): CommandSpec[];
  settingsFor(host: HostConfig, command: string): EffectiveSettings;
  /** Request values over the configured ones, validated (PARAM_UNKNOWN / PARAM_INVALID). */
  resolveParams(host: HostConfig, command: string, requestParams: Readonly<Record<string, unknown>>): ParamValues;
  /** Same as params.ts paramsHash (cache keys, audit rows). */
  paramsHash(values: ParamValues): string;
}

export interface CreateRegistryOptions {
  builtins: readonly CommandSpec[];
  config: AgentConfig;
  /** Parser lookup for user commands (default: the parser catalog). */
  findParser?: FindParser;
}

function pick<K extends keyof CommandOverride>(key: K, ...layers: (CommandOverride | undefined)[]): CommandOverride[K] | undefined {
  let value: CommandOverride[K] | undefined;
  for (const layer of layers) if (layer?.[key] !== undefined) value = layer[key];
  return value;
}

export function createRegistry(options: CreateRegistryOptions): Registry {
  const { builtins, config } = options;
  const byName = new Map<string, CommandSpec>();
  for (const spec of builtins) {
    if (byName.has(spec.name)) throw new InfraError('INTERNAL', `two built-in commands are named ${spec.name}`);
    byName.set(spec.name, spec);
  }
  for (const [name, userConfig] of Object.entries(config.userCommands)) {
    if (byName.has(name)) {
      throw new InfraError('CONFIG_INVALID', `userCommands.${name}: ${name} is a built-in command; choose another name`, { details: { command: name } });
    }
    byName.set(name, Object.freeze(buildUserCommand(name, userConfig, options.findParser)));
  }
  const all = Object.freeze([...byName.values()]);

  const get = (name: string): CommandSpec => {
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new InfraError('COMMAND_UNKNOWN', `no command named ${JSON.stringify(name)}`, { details: { command: name, known: [...byName.keys()] } });
    }
    return spec;
  };

  /** Null-prototype, so a request key "__proto__" stays a plain (unknown) key. */
  const configuredParams = (host: HostConfig, spec: CommandSpec): Record<string, unknown> =>
    Object.assign(
      Object.create(null) as Record<string, unknown>,
      Object.hasOwn(config.commands, spec.name) ? config.commands[spec.name]?.params : undefined,
      Object.hasOwn(host.commands, spec.name) ? host.commands[spec.name]?.params : undefined,
    );

  const settingsFor = (host: HostConfig, command: string): EffectiveSettings => {
    const spec = get(command);
    const top = Object.hasOwn(config.commands, command) ? config.commands[command] : undefined;
    const own = Object.hasOwn(host.commands, command) ? host.commands[command] : undefined;
    return Object.freeze({
      enabled: pick('enabled', top, own) ?? spec.defaults.enabled,
      schedule: pick('schedule', top, own) ?? spec.defaults.schedule,
      ttlMs: pick('ttlMs', top, own) ?? spec.defaults.ttlMs,
      timeoutMs: pick('timeoutMs', top, own) ?? spec.defaults.timeoutMs,
      retries: pick('retries', top, own) ?? spec.defaults.retries,
      params: validateParams(spec, configuredParams(host, spec)),
    });
  };

  const resolveParams = (host: HostConfig, command: string, requestParams: Readonly<Record<string, unknown>>): ParamValues => {
    const spec = get(command);
    const merged = configuredParams(host, spec);
    for (const [key, value] of Object.entries(requestParams)) if (value !== undefined) merged[key] = value;
    return validateParams(spec, merged);
  };

  return { get, list: () => [...all], settingsFor, resolveParams, paramsHash };
}
