import type { ParserDef } from './parser-def.js';
// Placeholder: filled in by the services parsers work.
export const servicesParsers: readonly ParserDef[] = [];
