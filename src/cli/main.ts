// The `imago` command.

import fs from 'node:fs';
import path from 'node:path';
import { startSession } from '../host/session.js';
import { MAIN_HELP, parseArgs, RUN_HELP, type RunArgs } from './args.js';

function fail(message: string): never {
  process.stderr.write(`imago: ${message}\n`);
  process.exit(2);
}

/** The nearest folder at or above `dir` holding a package.json, or `dir` itself. */
function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

async function run(args: RunArgs): Promise<void> {
  const entry = path.resolve(args.entry);
  let stat: fs.Stats;
  try { stat = fs.statSync(entry); } catch { fail(`entry file '${args.entry}' not found (looked at ${entry})`); }
  if (!stat.isFile()) fail(`entry '${args.entry}' is not a file`);
  const root = args.root ? path.resolve(args.root) : findRoot(path.dirname(entry));
  if (args.root && !fs.existsSync(root)) fail(`--root folder '${args.root}' not found`);
  if (args.events) {
    try { fs.appendFileSync(path.resolve(args.events), ''); } catch (e: unknown) { fail(`cannot write the events file '${args.events}': ${(e as Error).message}`); }
  }
  const session = await startSession({
    entry, root, eventsFile: args.events ? path.resolve(args.events) : undefined,
    tickMs: args.tickMs, debounceMs: args.debounceMs, watch: args.watch,
    stderr: (text) => process.stderr.write(text),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`[imago] ${signal}: stopping\n`);
    session.close().then(() => process.exit(0), (e: unknown) => {
      process.stderr.write(`[imago] stopping failed: ${(e as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const parsed = parseArgs(process.argv.slice(2));
switch (parsed.command) {
  case 'help': process.stdout.write(parsed.topic === 'run' ? RUN_HELP : MAIN_HELP); break;
  case 'version': {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`imago ${pkg.version}\n`);
    break;
  }
  case 'error': fail(parsed.message);
  // falls through: fail() never returns
  case 'run': await run(parsed); break;
}
