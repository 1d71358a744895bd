/**
 * One benchmark figure: ours and a baseline measured in the same run on the
 * same work, and their ratio. Printed as a markdown table and as JSON lines.
 */
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  bench: string;
  /** What was measured, e.g. "sequential, 1 channel". */
  case: string;
  unit: string;
  ours: number;
  /** null when the baseline could not run here (say why in `note`). */
  baseline: number | null;
  baselineName: string;
  /** true for throughput (ours/baseline > 1 is better), false for latency/memory. */
  higherIsBetter: boolean;
  /** Optional target, e.g. "≥ 2× baseline" — printed with met/missed. */
  target?: { ratioAtLeast?: number; oursAtLeast?: number; oursAtMost?: number };
  note?: string;
}

export function ratio(f: Figure): number | null {
  if (f.baseline === null || f.baseline === 0) return null;
  return f.higherIsBetter ? f.ours / f.baseline : f.baseline / f.ours;
}

export function targetMet(f: Figure): boolean | null {
  if (!f.target) return null;
  const r = ratio(f);
  if (f.target.ratioAtLeast !== undefined && (r === null || r < f.target.ratioAtLeast)) return false;
  if (f.target.oursAtLeast !== undefined && f.ours < f.target.oursAtLeast) return false;
  if (f.target.oursAtMost !== undefined && f.ours > f.target.oursAtMost) return false;
  return true;
}

function fmt(n: number | null): string {
  if (n === null) return '—';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

export function machineLine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const r = ratio(f);
    const met = targetMet(f);
    return `| ${f.bench} | ${f.case} | ${fmt(f.ours)} ${f.unit} | ${f.baseline === null ? `— (${f.note ?? 'not run'})` : `${fmt(f.baseline)} ${f.unit}`} (${f.baselineName}) | ${r === null ? '—' : `${r.toFixed(2)}×`} | ${met === null ? '' : met ? 'met' : 'MISSED'} |`;
  });
  return ['| bench | case | ours | baseline | ours vs baseline | target |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Print a figure as it is measured and append it to the run's JSON lines. */
export class Reporter {
  readonly figures: Figure[] = [];
  readonly #jsonlPath: string;

  constructor(outDir: string) {
    mkdirSync(outDir, { recursive: true });
    this.#jsonlPath = join(outDir, 'latest.jsonl');
    writeFileSync(this.#jsonlPath, '');
  }

  add(f: Figure): void {
    this.figures.push(f);
    const r = ratio(f);
    appendFileSync(this.#jsonlPath, `${JSON.stringify({ ...f, ratio: r, targetMet: targetMet(f), at: new Date().toISOString() })}\n`);
    process.stdout.write(
      `${f.bench} · ${f.case}: ours ${fmt(f.ours)} ${f.unit}, ${f.baselineName} ${f.baseline === null ? `not run (${f.note ?? ''})` : `${fmt(f.baseline)} ${f.unit}`}${r === null ? '' : `, ratio ${r.toFixed(2)}×`}\n`,
    );
  }

  finish(outDir: string): string {
    const md = `Measured on ${machineLine()}, ${new Date().toISOString()}.\n\n${markdownTable(this.figures)}\n`;
    writeFileSync(join(outDir, 'latest.md'), md);
    return md;
  }
}

export interface BenchContext {
  reporter: Reporter;
  /** Scale factor (BENCH_SCALE, default 1): lower for a quick smoke run. */
  scale: number;
  log(message: string): void;
}

export type Bench = (ctx: BenchContext) => Promise<void>;
