/**
 * Sizes as the docker CLI prints them (go-units): memory in binary units
 * (`512MiB`, `1.5GiB`), network and block I/O in decimal units (`10.3kB`,
 * `1.2MB`). Both families are accepted everywhere, each with its own base.
 */
const DECIMAL: Readonly<Record<string, number>> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Readonly<Record<string, number>> = {
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
  P: 1024 ** 5,
  E: 1024 ** 6,
};

const SIZE_RE = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMGTPE]?)(i?)B$/;

/** Placeholders docker prints for a value it does not have (stopped container). */
export function isDockerPlaceholder(text: string): boolean {
  const t = text.trim();
  return t === '--' || t === '' || t === 'N/A';
}

/**
 * Bytes for a docker size, rounded to a whole byte; null for the `--`
 * placeholder; undefined when the text is not a size at all.
 */
export function dockerSizeBytes(text: string): number | null | undefined {
  const t = text.trim();
  if (isDockerPlaceholder(t)) return null;
  const m = SIZE_RE.exec(t);
  if (!m) return undefined;
  const value = Number(m[1]);
  const prefix = (m[2] ?? '').toUpperCase();
  const factor = m[3] === 'i' ? BINARY[prefix] : DECIMAL[prefix];
  if (factor === undefined) return undefined;
  return Math.round(value * factor);
}
