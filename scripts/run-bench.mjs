// `pnpm bench [name...]` (or `npm run bench`): build, compile the
// benchmarks, run them. See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, log, root } from './toolchain.mjs';

ensureBuilt();
log('compiling benchmarks…');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const r = spawnSync(process.execPath, [join(root, 'bench/dist/bench/src/run.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
