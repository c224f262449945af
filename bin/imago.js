#!/usr/bin/env node
// The `imago` command: runs the compiled CLI (built by `npm install`, or `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`imago: not built yet; run 'npm install' (or 'npm run build') in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(2);
}
// `imago run` type-checks its first load: the checker's thread starts loading TypeScript now, while
// imago itself loads (src/check/type-gate.ts, prestartChecker).
if (process.argv[2] === 'run' && !process.argv.some((a) => a === '--help' || a === '-h'))
  (await import(new URL('../dist/src/check/type-gate.js', import.meta.url).href)).prestartChecker();
await import(main.href);
