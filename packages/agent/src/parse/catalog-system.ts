import type { ParserDef } from './parser-def.js';
// Placeholder: filled in by the system parsers work.
export const systemParsers: readonly ParserDef[] = [];
