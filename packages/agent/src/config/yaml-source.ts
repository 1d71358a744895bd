/**
 * Reading a YAML document with positions: every value is reached through a
 * `ValueRef` (its key path and line:column), and every problem found is
 * collected (not thrown) so the loader can report them all at once.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export interface SourcePos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

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

/** A value in the document. `node` is null when the value is absent or an explicit YAML null. */
export interface ValueRef {
  node: YamlNode | null;
  path: string;
  pos: SourcePos;
}

const PLAIN_KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "a" + "b" → "a.b"; keys that are not identifiers are bracketed: a["x y"]. */
export function childPath(parent: string, key: string): string {
  if (PLAIN_KEY_RE.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Short description of a YAML value for "expected X, got Y" messages. */
export function describeNode(node: YamlNode | null): string {
  if (node === null) return 'null';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
    if (typeof v === 'number') return `number ${String(v)}`;
    if (typeof v === 'boolean') return `boolean ${String(v)}`;
    if (typeof v === 'bigint') return `number ${String(v)}`;
    return typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : typeof v;
  }
  return 'an unsupported YAML node';
}

export interface MapEntry {
  key: string;
  keyPos: SourcePos;
  value: ValueRef;
}

/** A mapping whose keys were checked against a list of known keys. */
export class MapView {
  private readonly byKey = new Map<string, MapEntry>();

  constructor(
    readonly ref: ValueRef,
    entries: readonly MapEntry[],
  ) {
    for (const e of entries) this.byKey.set(e.key, e);
  }

  /** The value under `key`, or undefined when absent or null. */
  get(key: string): ValueRef | undefined {
    const e = this.byKey.get(key);
    return e === undefined || e.value.node === null ? undefined : e.value;
  }

  /** Whether the key is written in the file (even with a null value). */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  entry(key: string): MapEntry | undefined {
    return this.byKey.get(key);
  }

  /** Position of the key itself (for "not allowed here" problems), else of the mapping. */
  keyPos(key: string): SourcePos {
    return this.byKey.get(key)?.keyPos ?? this.ref.pos;
  }

  /** Path of a key in this mapping. */
  pathOf(key: string): string {
    return childPath(this.ref.path, key);
  }
}

export class YamlSource {
  readonly problems: ConfigProblem[] = [];

  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Parse YAML text; returns the parse problems instead when the text is not valid YAML. */
  static parse(text: string): { source: YamlSource } | { parseProblems: ConfigProblem[] } {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      return {
        parseProblems: doc.errors.map((e) => {
          const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
          return { code: 'CONFIG_PARSE_FAILED', path: '', line: at.line, col: at.col, message: e.message.split('\n')[0] ?? e.message };
        }),
      };
    }
    return { source: new YamlSource(doc, lineCounter) };
  }

  root(): ValueRef {
    return this.refOf(this.doc.contents as YamlNode | null, '', { line: 1, col: 1 });
  }

  posOf(node: YamlNode | null | undefined, fallback: SourcePos): SourcePos {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : this.lineCounter.linePos(offset);
  }

  /** Make a ref for a node: aliases are followed, YAML null becomes node null. */
  refOf(raw: unknown, path: string, fallback: SourcePos): ValueRef {
    const rawNode = (raw ?? null) as YamlNode | null;
    const pos = this.posOf(rawNode, fallback);
    let node = rawNode;
    if (node !== null && isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) {
        this.invalid({ path, pos }, `alias *${node.source} does not refer to an anchor`);
        node = null;
      } else {
        node = target as YamlNode;
      }
    }
    if (node !== null && isScalar(node) && (node.value === null || node.value === undefined)) node = null;
    return { node, path, pos };
  }

  invalid(ref: Pick<ValueRef, 'path' | 'pos'>, message: string): undefined {
    this.problems.push({ code: 'CONFIG_INVALID', path: ref.path, line: ref.pos.line, col: ref.pos.col, message });
    return undefined;
  }

  unknownKey(path: string, pos: SourcePos, message: string): undefined {
    this.problems.push({ code: 'CONFIG_UNKNOWN_KEY', path, line: pos.line, col: pos.col, message });
    return undefined;
  }

  wrongType(ref: ValueRef, expected: string): undefined {
    return this.invalid(ref, `expected ${expected}, got ${describeNode(ref.node)}`);
  }

  /** The entries of a mapping with free-form keys (names). */
  entries(ref: ValueRef): MapEntry[] | undefined {
    const node = ref.node;
    if (node === null || !isMap(node)) return this.wrongType(ref, 'a mapping');
    const out: MapEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyPos = this.posOf(keyNode, ref.pos);
      if (keyNode === null || !isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.invalid({ path: ref.path, pos: keyPos }, 'keys must be plain strings');
        continue;
      }
      const key = String(keyNode.value);
      out.push({ key, keyPos, value: this.refOf(pair.value, childPath(ref.path, key), keyPos) });
    }
    return out;
  }

  /**
   * A mapping with a fixed set of keys: every other key is reported as
   * CONFIG_UNKNOWN_KEY at its own line. Returns undefined (after reporting)
   * when the value is not a mapping.
   */
  map(ref: ValueRef, knownKeys: readonly string[]): MapView | undefined {
    const entries = this.entries(ref);
    if (entries === undefined) return undefined;
    const known: MapEntry[] = [];
    for (const e of entries) {
      if (knownKeys.includes(e.key)) {
        known.push(e);
        continue;
      }
      const hint = closest(e.key, knownKeys);
      this.unknownKey(
        e.value.path,
        e.keyPos,
        `unknown key ${JSON.stringify(e.key)}${hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`}; allowed: ${knownKeys.join(', ')}`,
      );
    }
    return new MapView(ref, known);
  }

  /** The items of a list. */
  items(ref: ValueRef): ValueRef[] | undefined {
    const node = ref.node;
    if (node === null || !isSeq(node)) return this.wrongType(ref, 'a list');
    return node.items.map((item, i) => this.refOf(item, indexPath(ref.path, i), ref.pos));
  }

  /** A plain JS value for a scalar or a list of scalars (parameter values); undefined after reporting. */
  plainValue(ref: ValueRef, expected: string): unknown {
    const node = ref.node;
    if (node === null) return undefined;
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const out: unknown[] = [];
      for (const item of this.items(ref) ?? []) {
        if (item.node === null || !isScalar(item.node)) return this.wrongType(item, 'a string');
        out.push(item.node.value);
      }
      return out;
    }
    return this.wrongType(ref, expected);
  }
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

/** The known key nearest to a misspelt one, if it is close enough to be a likely typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
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
