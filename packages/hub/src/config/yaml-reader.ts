/**
 * A compact YAML reader with positions for the hub's configuration: every
 * value is reached with its key path and line:column, and every problem is
 * collected (not thrown) so all of them are reported together.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export type ConfigProblemCode = 'CONFIG_PARSE_FAILED' | 'CONFIG_INVALID' | 'CONFIG_UNKNOWN_KEY';

export interface ConfigProblem {
  code: ConfigProblemCode;
  /** Key path, e.g. "agents[0].token"; "" for the document itself. */
  path: string;
  line: number;
  col: number;
  message: string;
}

/** A value in the document; `node` is null when absent or an explicit YAML null. */
export interface Ref {
  node: YamlNode | null;
  path: string;
  line: number;
  col: number;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path === '' ? '(document)' : p.path} (line ${p.line}, col ${p.col}): ${p.message}`;
}

function childPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (parent === '' ? key : `${parent}.${key}`) : `${parent}[${JSON.stringify(key)}]`;
}

function describe(node: YamlNode | null): string {
  if (node === null) return 'null';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
    if (typeof v === 'boolean') return `boolean ${String(v)}`;
  }
  return 'an unsupported value';
}

/** A mapping whose keys were checked against the known keys. */
export class MapRef {
  constructor(
    readonly ref: Ref,
    private readonly values: ReadonlyMap<string, Ref>,
  ) {}

  /** The value under `key`; undefined when absent or null. */
  get(key: string): Ref | undefined {
    const v = this.values.get(key);
    return v === undefined || v.node === null ? undefined : v;
  }

  /** A ref for a key that is missing (for "required" problems). */
  missing(key: string): Ref {
    return { node: null, path: childPath(this.ref.path, key), line: this.ref.line, col: this.ref.col };
  }
}

export class YamlReader {
  readonly problems: ConfigProblem[] = [];

  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string): YamlReader | ConfigProblem[] {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length === 0) return new YamlReader(doc, lines);
    return doc.errors.map((e) => {
      const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      return { code: 'CONFIG_PARSE_FAILED', path: '', line: at.line, col: at.col, message: e.message.split('\n')[0] ?? e.message };
    });
  }

  root(): Ref {
    return this.refOf(this.doc.contents, '', { line: 1, col: 1 });
  }

  private refOf(raw: unknown, path: string, fallback: { line: number; col: number }): Ref {
    let node = (raw ?? null) as YamlNode | null;
    const offset = node?.range?.[0];
    const pos = offset === undefined ? fallback : this.lines.linePos(offset);
    if (node !== null && isAlias(node)) node = (node.resolve(this.doc) as YamlNode | undefined) ?? null;
    if (node !== null && isScalar(node) && (node.value === null || node.value === undefined)) node = null;
    return { node, path, line: pos.line, col: pos.col };
  }

  invalid(ref: Ref, message: string): undefined {
    this.problems.push({ code: 'CONFIG_INVALID', path: ref.path, line: ref.line, col: ref.col, message });
    return undefined;
  }

  wrongType(ref: Ref, expected: string): undefined {
    return this.invalid(ref, `expected ${expected}, got ${describe(ref.node)}`);
  }

  /** A mapping with a fixed key set: any other key is CONFIG_UNKNOWN_KEY at its own line. */
  map(ref: Ref, known: readonly string[]): MapRef | undefined {
    const node = ref.node;
    if (node === null || !isMap(node)) return this.wrongType(ref, 'a mapping');
    const values = new Map<string, Ref>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyRef = this.refOf(keyNode, ref.path, ref);
      if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.invalid(keyRef, 'keys must be plain strings');
        continue;
      }
      const key = keyNode.value;
      const path = childPath(ref.path, key);
      if (!known.includes(key)) {
        const hint = closestKey(key, known);
        this.problems.push({
          code: 'CONFIG_UNKNOWN_KEY',
          path,
          line: keyRef.line,
          col: keyRef.col,
          message: `unknown key ${JSON.stringify(key)}${hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`}; allowed: ${known.join(', ')}`,
        });
        continue;
      }
      values.set(key, this.refOf(pair.value, path, keyRef));
    }
    return new MapRef(ref, values);
  }

  items(ref: Ref): Ref[] | undefined {
    const node = ref.node;
    if (node === null || !isSeq(node)) return this.wrongType(ref, 'a list');
    return node.items.map((item, i) => this.refOf(item, `${ref.path}[${i}]`, ref));
  }

  string(ref: Ref, rules: { pattern?: RegExp; hint?: string; minLength?: number; maxLength?: number } = {}): string | undefined {
    const node = ref.node;
    if (node === null || !isScalar(node) || typeof node.value !== 'string') return this.wrongType(ref, 'a string');
    const v = node.value;
    if (v === '') return this.invalid(ref, 'must not be empty');
    if (rules.minLength !== undefined && v.length < rules.minLength) return this.invalid(ref, `must be at least ${rules.minLength} characters`);
    if (rules.maxLength !== undefined && v.length > rules.maxLength) return this.invalid(ref, `must be at most ${rules.maxLength} characters`);
    if (rules.pattern !== undefined && !rules.pattern.test(v)) return this.invalid(ref, `is not allowed here${rules.hint ? `; use ${rules.hint}` : ''}`);
    return v;
  }

  integer(ref: Ref, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const node = ref.node;
    if (node === null || !isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) return this.wrongType(ref, 'an integer');
    if (node.value < min) return this.invalid(ref, `must be at least ${min}, got ${node.value}`);
    if (node.value > max) return this.invalid(ref, `must be at most ${max}, got ${node.value}`);
    return node.value;
  }

  boolean(ref: Ref): boolean | undefined {
    const node = ref.node;
    if (node === null || !isScalar(node) || typeof node.value !== 'boolean') return this.wrongType(ref, 'true or false');
    return node.value;
  }

  oneOf<T extends string>(ref: Ref, values: readonly T[]): T | undefined {
    const v = this.string(ref);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) return this.invalid(ref, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }
}

/** The known key nearest to a misspelt one, if it is close enough to be a likely typo (as the agent's config does). */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= (key.length <= 4 ? 1 : 2) ? best : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (case-insensitive). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(x.length, y.length);
}
