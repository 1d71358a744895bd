import type { ParserDef } from './parser-def.js';
import { systemParsers } from './catalog-system.js';
import { servicesParsers } from './catalog-services.js';

/** Every single-source parser, by name (`infra-agent parsers`). */
export const parserCatalog: readonly ParserDef[] = [...systemParsers, ...servicesParsers];

export function findParser(name: string): ParserDef | undefined {
  return parserCatalog.find((p) => p.name === name);
}
