/** Key paths for messages: hosts[0].port, userCommands["my cmd"]. */
const PLAIN_KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "a" + "b" → "a.b"; keys that are not identifiers are bracketed: a["x y"]. */
export function childPath(parent: string, key: string): string {
  if (PLAIN_KEY_RE.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
