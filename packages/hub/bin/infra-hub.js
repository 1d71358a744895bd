#!/usr/bin/env node
// Compiled entry point; `npm run build` (tsc -b) produces ../dist.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`infra-hub: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
