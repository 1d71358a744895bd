/**
 * Commands defined in the config file (`userCommands`): a template filled
 * with shell-quoted parameter values, and one of the generic parsers or a
 * single-source parser from the catalog.
 */
import { InfraError } from '@infrastructor/shared';
import type { UserCommandConfig } from '../config/agent-config.js';
import { findParser as catalogFindParser } from '../parse/catalog.js';
import { parseError } from '../parse/parse-error.js';
import type { ParserDef } from '../parse/parser-def.js';
import type { CommandOutput, CommandSpec } from './command-spec.js';
import { renderTemplate } from './template.js';

/** Parsers every user command may name besides the catalog ones. */
export const GENERIC_PARSERS = ['json', 'lines', 'raw'] as const;

export type FindParser = (name: string) => ParserDef | undefined;

/** The parse function for a parser name, or PARSER_UNKNOWN. `command` names the parser in PARSE_FAILED errors. */
export function userCommandParser(command: string, parser: string, findParser: FindParser = catalogFindParser): (output: CommandOutput) => unknown {
  switch (parser) {
    case 'json':
      return ({ stdout }) => {
        try {
          return JSON.parse(stdout) as unknown;
        } catch (err) {
          throw parseError(command, `invalid JSON (${err instanceof Error ? err.message : String(err)})`, stdout);
        }
      };
    case 'lines':
      return ({ stdout }) => stdout.split(/\r?\n/).filter((line) => line !== '');
    case 'raw':
      return ({ stdout }) => stdout;
    default: {
      const def = findParser(parser);
      if (def === undefined) {
        throw new InfraError('PARSER_UNKNOWN', `${command}: no parser named ${JSON.stringify(parser)}`, { details: { command, parser } });
      }
      return ({ stdout }) => def.parse(stdout);
    }
  }
}

export function buildUserCommand(name: string, config: UserCommandConfig, findParser: FindParser = catalogFindParser): CommandSpec {
  const parse = userCommandParser(name, config.parser, findParser);
  return {
    name,
    description: config.description,
    params: config.params,
    defaults: {
      schedule: config.schedule,
      ttlMs: config.ttlMs,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      enabled: config.enabled,
    },
    script: (params) => renderTemplate(name, config.template, params),
    parse,
  };
}
