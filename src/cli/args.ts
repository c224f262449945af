// Command-line parsing for `imago`: strict, with one-line errors that say what to do.

import type { TypecheckMode } from '../runtime/type-gate.js';

export interface RunArgs {
  readonly command: 'run';
  readonly typecheck: TypecheckMode;
  readonly entry: string;
  readonly events: string | undefined;
  readonly tickMs: number;
  readonly debounceMs: number;
  readonly watch: boolean;
  readonly root: string | undefined;
}

export type ParsedArgs =
  | RunArgs
  | { readonly command: 'help'; readonly topic: 'main' | 'run' | 'check' }
  | { readonly command: 'version' }
  | { readonly command: 'check'; readonly entry: string; readonly root: string | undefined }
  | { readonly command: 'error'; readonly message: string };

export const MAIN_HELP = `imago: a live, image-based environment for TypeScript programs

Usage:
  imago run [options] <entry.ts>   run a program and apply every edit to it while it runs
  imago check [entry.ts]           type-check a program once, like tsc (exit 1 on errors)
  imago --help                     this help
  imago --version                  the version

Run 'imago run --help' for the options of run.
`;

export const CHECK_HELP = `Usage: imago check [--root <dir>] [entry.ts]

Type-checks the program of <entry.ts> (default: the "main" of package.json, else src/main.ts, else
main.ts) the way imago gates its changes: the project's tsconfig.json when there is one, strict
defaults otherwise, Node's types supplied when the project has none. Prints diagnostics like tsc and
exits 1 if there are errors, 0 if there are none.
`;

export const RUN_HELP = `Usage: imago run [options] <entry.ts>

Loads <entry.ts> and the project files it imports through imago's loader, runs it, watches the
project, and applies each edit to the running process as one atomic change: functions swap, module
state survives, changed top-level statements run again. A change that fails to parse, resolve or
evaluate is rejected whole and the previous version keeps running.

Every change is type-checked before it applies (TypeScript 7): a change with type errors is rejected
like a syntax error. The first load is checked too.

If the entry exports start(), tick(dt) and stop(), imago drives them: start() once, tick(dt) every
--tick-ms milliseconds (dt in seconds), stop() on Ctrl-C or SIGTERM. Changes land between ticks.

Options:
  --events <file>      append one JSON object per line for each event (ready, reload, load, error, typecheck)
  --typecheck <mode>   gate (default): reject changes with type errors; warn: apply them and report the
                       errors; off: do not type-check
  --tick-ms <n>        tick period in milliseconds (default 16)
  --debounce-ms <n>    quiet time after the last file event before the edits apply (default 3)
  --root <dir>         project root (default: nearest folder above the entry with a package.json)
  --no-watch           run without watching for edits
  -h, --help           this help

imago's own lines go to stderr, prefixed [imago]; the program's output passes through untouched.
`;

function number(flag: string, value: string | undefined, min: number): number | string {
  if (value === undefined) return `${flag} needs a number`;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) return `${flag} takes a number >= ${min}, got '${value}'`;
  return n;
}

/** Parses `argv` (without node and the script). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help', topic: 'main' };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'check') return parseCheck(rest);
  if (command !== 'run') return { command: 'error', message: `unknown command '${command}'; try 'imago run <entry.ts>' or 'imago --help'` };
  let typecheck: TypecheckMode = 'gate';
  let entry: string | undefined;
  let events: string | undefined;
  let tickMs = 16;
  let debounceMs = 3;
  let watch = true;
  let root: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : rest[++i]);
    switch (flag) {
      case '-h':
      case '--help':
        return { command: 'help', topic: 'run' };
      case '--events':
        events = value();
        if (!events) return { command: 'error', message: '--events needs a file path' };
        break;
      case '--root':
        root = value();
        if (!root) return { command: 'error', message: '--root needs a folder' };
        break;
      case '--tick-ms': {
        const n = number('--tick-ms', value(), 1);
        if (typeof n === 'string') return { command: 'error', message: n };
        tickMs = n;
        break;
      }
      case '--debounce-ms': {
        const n = number('--debounce-ms', value(), 0);
        if (typeof n === 'string') return { command: 'error', message: n };
        debounceMs = n;
        break;
      }
      case '--no-watch':
        watch = false;
        break;
      case '--typecheck': {
        const mode = value();
        if (mode !== 'gate' && mode !== 'warn' && mode !== 'off')
          return { command: 'error', message: `--typecheck takes gate, warn or off, got '${mode ?? ''}'` };
        typecheck = mode;
        break;
      }
      default:
        if (arg.startsWith('-')) return { command: 'error', message: `unknown option '${arg}' for 'imago run'; see 'imago run --help'` };
        if (entry !== undefined) return { command: 'error', message: `one entry file only, got '${entry}' and '${arg}'` };
        entry = arg;
    }
  }
  if (entry === undefined) return { command: 'error', message: "'imago run' needs an entry file, e.g. 'imago run src/main.ts'" };
  return { command: 'run', entry, events, tickMs, debounceMs, watch, root, typecheck };
}

function parseCheck(rest: readonly string[]): ParsedArgs {
  let entry: string | undefined;
  let root: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '-h' || arg === '--help') return { command: 'help', topic: 'check' };
    if (arg === '--root' || arg.startsWith('--root=')) {
      root = arg.includes('=') ? arg.slice(7) : rest[++i];
      if (!root) return { command: 'error', message: '--root needs a folder' };
    } else if (arg.startsWith('-')) return { command: 'error', message: `unknown option '${arg}' for 'imago check'; see 'imago check --help'` };
    else if (entry !== undefined) return { command: 'error', message: `one entry file only, got '${entry}' and '${arg}'` };
    else entry = arg;
  }
  return { command: 'check', entry: entry ?? '', root };
}
