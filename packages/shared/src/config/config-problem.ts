/** A problem found in a configuration file, located by key path and line:column. */
export type ConfigProblemCode = 'CONFIG_PARSE_FAILED' | 'CONFIG_INVALID' | 'CONFIG_UNKNOWN_KEY';

export interface ConfigProblem {
  code: ConfigProblemCode;
  /** Key path, e.g. "hosts[0].port"; "" for the document itself. */
  path: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path === '' ? '(document)' : p.path} (line ${p.line}, col ${p.col}): ${p.message}`;
}
