import { InfraError } from '@infrastructor/shared';
import type { CommandSpec } from '../registry/command-spec.js';
import type { ParserDef } from '../parse/parser-def.js';

/**
 * `infra-agent parse PARSER`: a single-source parser by name, or a command
 * name (its whole output as the command prints it). Throws PARSER_UNKNOWN
 * or the parser's PARSE_FAILED.
 */
export function parseSavedOutput(
  name: string,
  text: string,
  parsers: readonly ParserDef[],
  commands: readonly CommandSpec[],
): unknown {
  const parser = parsers.find((p) => p.name === name);
  if (parser) return parser.parse(text);
  const command = commands.find((c) => c.name === name);
  if (command) return command.parse({ stdout: text, stderr: '', exitCode: 0 });
  const known = [...parsers.map((p) => p.name), ...commands.map((c) => c.name)].join(', ');
  throw new InfraError('PARSER_UNKNOWN', `no parser or command named ${JSON.stringify(name)}; known: ${known}`);
}
