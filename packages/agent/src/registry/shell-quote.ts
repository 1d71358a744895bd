/**
 * POSIX single-quote a value for a shell word. The only way user-supplied
 * values may enter a script: the result is always exactly one word.
 */
export function shellQuote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new TypeError('a shell word cannot contain NUL');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
