/**
 * `pnpm bench [name...]`: run all benchmarks or the named ones. Each starts
 * and stops what it needs and says clearly when a baseline cannot run here.
 * Results: bench/results/latest.jsonl and latest.md (copy the table into
 * docs/performance.md when it changes).
 */
import { join } from 'node:path';
import { Reporter, type Bench, type BenchContext } from './report.js';
import { BENCHES } from './benches/index.js';

async function main(): Promise<number> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const outDir = join(import.meta.dirname, '..', '..', '..', 'results');
  const reporter = new Reporter(outDir);
  const ctx: BenchContext = {
    reporter,
    scale: Number(process.env.BENCH_SCALE ?? 1),
    log: (m) => process.stderr.write(`  … ${m}\n`),
  };
  const selected = names.length > 0 ? names : Object.keys(BENCHES);
  let failed = 0;
  for (const name of selected) {
    const bench = BENCHES[name] as Bench;
    process.stdout.write(`\n## ${name}\n`);
    try {
      await bench(ctx);
    } catch (err) {
      failed += 1;
      process.stderr.write(`benchmark ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
  }
  process.stdout.write(`\n${reporter.finish(outDir)}`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code));
