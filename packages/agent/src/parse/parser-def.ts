/** A single-source parser, listed by `infra-agent parsers`. */
export interface ParserDef {
  /** e.g. "proc-stat", "docker-ps". */
  name: string;
  /** What input it takes, e.g. "the text of /proc/stat". */
  input: string;
  /** Pure; throws PARSE_FAILED (see parse-error.ts) on input it cannot read. */
  parse(text: string): unknown;
}
