#!/usr/bin/env node
// The `imago` command: runs the compiled CLI (built by `npm install`, or `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`imago: not built yet; run 'npm install' (or 'npm run build') in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(2);
}
await import(main.href);
