// `npm test`: install, build, run the whole suite with vitest, and print a
// one-line summary. With CI=true a skipped test is a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, typecheckTests, log, root, buildEnv } from './toolchain.mjs';

const ci = process.env.CI === 'true';
ensureBuilt({ frozen: ci });
typecheckTests();

const report = join(mkdtempSync(join(tmpdir(), 'infra-tests-')), 'vitest.json');
const extra = process.argv.slice(2);
const r = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { stdio: 'inherit', cwd: root, env: buildEnv() },
);

let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  log('vitest wrote no report');
  process.exit(r.status || 1);
}
const passed = summary.numPassedTests ?? 0;
const failed = summary.numFailedTests ?? 0;
const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
let status = r.status ?? 1;
if (ci && skipped > 0) {
  log(`CI=true: ${skipped} test(s) were skipped; every test must run in CI`);
  status = status || 1;
}
if (passed + failed === 0) {
  log('no test ran');
  status = status || 1;
}
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(status);
