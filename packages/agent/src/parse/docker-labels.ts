/**
 * The `Labels` column of `docker ps`: `k=v` pairs joined with commas, with
 * neither commas nor `=` escaped. Values may contain `=` (split at the first
 * one) and commas (`description=A fast, small server`): a comma-separated
 * piece that does not start with a plausible label key followed by `=` is
 * taken to continue the previous value.
 */
const LABEL_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

export function parseDockerLabels(raw: string): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  if (raw.trim() === '') return {};
  for (const piece of raw.split(',')) {
    const eq = piece.indexOf('=');
    const key = eq > 0 ? piece.slice(0, eq) : '';
    const last = pairs[pairs.length - 1];
    if (eq > 0 && LABEL_KEY_RE.test(key)) {
      pairs.push([key, piece.slice(eq + 1)]);
    } else if (last) {
      last[1] = `${last[1]},${piece}`;
    } else if (piece.trim() !== '') {
      // First piece with an unusual key: still split at its first `=`.
      pairs.push(eq > 0 ? [key, piece.slice(eq + 1)] : [piece, '']);
    }
  }
  // fromEntries defines own properties, so a `__proto__` label is just a key.
  return Object.fromEntries(pairs);
}
