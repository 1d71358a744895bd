/**
 * Ordering for names, paths and keys in output and status: by UTF-16 code
 * units, the same on every machine. (`localeCompare` depends on the locale
 * and loads ICU's collation data — a few MB of the agent's memory — for
 * nothing a machine-readable listing needs.)
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
