/**
 * Reading a YAML configuration with positions: every value is reached
 * through a `ValueRef` (its key path and line:column), and every problem
 * found is collected (not thrown) so the loader can report them all at once.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { closestKey } from './closest-key.js';
import type { ConfigProblem } from './config-problem.js';
import { describeNode } from './describe-node.js';
import { childPath, indexPath } from './key-path.js';

export interface SourcePos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

/** A value in the document. `node` is null when the value is absent or an explicit YAML null. */
export interface ValueRef {
  node: YamlNode | null;
  path: string;
  pos: SourcePos;
}

export interface MapEntry {
  key: string;
  keyPos: SourcePos;
  value: ValueRef;
}

export interface YamlReaderOptions {
  /** Strings quoted in "got …" are cut after this many characters (default 60). */
  quoteLimit?: number;
  /** Whether a number is accepted as a mapping key (as its string); else "keys must be plain strings" (default true). */
  numberKeys?: boolean;
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

  /** A null ref for a key, at the mapping's position (for "required key is missing" problems). */
  missing(key: string): ValueRef {
    return { node: null, path: this.pathOf(key), pos: this.ref.pos };
  }
}

export class YamlReader {
  readonly problems: ConfigProblem[] = [];
  private readonly quoteLimit: number;
  private readonly numberKeys: boolean;

  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    options: YamlReaderOptions,
  ) {
    this.quoteLimit = options.quoteLimit ?? 60;
    this.numberKeys = options.numberKeys ?? true;
  }

  /** Parse YAML text; returns the parse problems instead when the text is not valid YAML. */
  static parse(text: string, options: YamlReaderOptions = {}): { reader: YamlReader } | { parseProblems: ConfigProblem[] } {
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
    return { reader: new YamlReader(doc, lineCounter, options) };
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

  /** "expected X, got Y" (Y describes the value found). */
  wrongType(ref: ValueRef, expected: string): undefined {
    return this.invalid(ref, `expected ${expected}, got ${describeNode(ref.node, this.quoteLimit)}`);
  }

  /** The entries of a mapping with free-form keys (names). */
  entries(ref: ValueRef): MapEntry[] | undefined {
    const node = ref.node;
    if (node === null || !isMap(node)) return this.wrongType(ref, 'a mapping');
    const out: MapEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyPos = this.posOf(keyNode, ref.pos);
      const keyValue: unknown = keyNode !== null && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof keyValue !== 'string' && !(this.numberKeys && typeof keyValue === 'number')) {
        this.invalid({ path: ref.path, pos: keyPos }, 'keys must be plain strings');
        continue;
      }
      const key = String(keyValue);
      out.push({ key, keyPos, value: this.refOf(pair.value, childPath(ref.path, key), keyPos) });
    }
    return out;
  }

  /**
   * A mapping with a fixed set of keys: every other key is reported as
   * CONFIG_UNKNOWN_KEY at its own line, with a "did you mean" hint when it
   * looks like a typo. Returns undefined (after reporting) when the value is
   * not a mapping.
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
      const hint = closestKey(e.key, knownKeys);
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
