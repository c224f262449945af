// Command-line parsing for `imago`: strict, with one-line errors that say what to do.

import { availableParallelism } from 'node:os';
import { parseArgs as utilParseArgs } from 'node:util';
import type { TypecheckMode } from '../runtime/type-gate.js';
import { type ControlArgs, type ControlCommand, isControlCommand, parseControl } from './control-args.js';
import { type EditArgs, parseEdit } from './edit-command.js';
import { type FleetArgs, parseFleet } from './fleet-args.js';

export interface RunArgs {
  readonly command: 'run';
  readonly typecheck: TypecheckMode;
  readonly entry: string;
  /** What follows the entry on the command line: the program's own arguments. */
  readonly args: readonly string[];
  readonly events: string | undefined;
  readonly tickMs: number;
  readonly debounceMs: number;
  readonly watch: boolean;
  readonly root: string | undefined;
  /** `--control <path>`: the socket there; null: `--no-control`; undefined: `.imago/control.sock` under the root. */
  readonly control: string | null | undefined;
  /** `--image FILE` and what goes with it (docs/images.md). */
  readonly image: { readonly file: string; readonly fresh: boolean; readonly dropMissing: boolean; readonly autosaveSeconds: number | undefined } | undefined;
  /** `--ui`: open the inspector's page on this port (0: a free one); null: no page. */
  readonly ui: number | null;
  /** `--cluster <n|auto>`: the number of worker processes; null: the program runs in imago's process. */
  readonly cluster: number | null;
  /** `--swap-timeout <ms>`: how long each step of a change shared by threads or processes waits for each. */
  readonly swapTimeoutMs: number;
}

export type ParsedArgs =
  | RunArgs
  | { readonly command: 'help'; readonly topic: 'main' | 'run' | 'check' | 'image' | 'edit' | 'fleet' | ControlCommand }
  | FleetArgs
  | { readonly command: 'image-info'; readonly file: string }
  | { readonly command: 'version' }
  | { readonly command: 'check'; readonly entry: string; readonly root: string | undefined }
  | ControlArgs
  | EditArgs
  | { readonly command: 'error'; readonly message: string };

export const MAIN_HELP = `imago: a live, image-based environment for TypeScript programs

Usage:
  imago run [options] <entry.ts> [args...]
                                   run a program and apply every edit to it while it runs
  imago check [entry.ts]           type-check a program once, like tsc (exit 1 on errors)
  imago image info <file>          what an image file holds (imago run --image <file> saves one)
  imago repl                       a TypeScript REPL inside the running image (its modules' scope)
  imago describe <module>:<name>   what a function, class or binding of the running image is
  imago deps <module>:<name>[.<member>]
                                   what references it (from the type checker; works without an image)
  imago status                     the running image: modules, last changes, checker, memory
  imago inspect                    open the running image's inspector (a live view in a browser); prints
                                   its address (imago run --ui opens it at the start)
  imago edit <command>             a structural edit (add-field, remove-field, rename-field, retype-field,
                                   rename, move) of the files and the running image, as one change
  imago fleet apply --control <socket>... <file>...
                                   one change to several running images (machines, clusters) at once:
                                   applied in all of them, or in none (docs/scaling.md)
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

export const RUN_HELP = `Usage: imago run [options] <entry.ts> [args...]

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
  --control <path>     the control socket (default: .imago/control.sock under the root): imago repl,
                       describe, deps and status talk to the program through it (docs/control.md)
  --no-control         open no control socket
  --ui                 serve the inspector, a live view of the image in a browser, on 127.0.0.1 (the
                       address with its token is printed; docs/inspector.md)
  --ui-port <n>        with --ui: that port (default: a free one)
  --cluster <n|auto>   run the program in n worker processes (auto: one per CPU) with Node's cluster
                       module, sharing its listening sockets; each change applies in all of them at
                       once, or in none (docs/scaling.md)
  --swap-timeout <ms>  how long a change shared with worker threads or --cluster workers waits for each
                       to prepare, and to reach a safe point, before it is rejected everywhere (default 2000)
  --image <file>       keep the program's state in an image file: resume from it if it exists, save it
                       when the program stops (Ctrl-C, SIGTERM, its end) and when it calls saveImage()
                       from 'imago/image' (docs/images.md)
  --autosave <s>       with --image: also save every <s> seconds
  --fresh              with --image: start as a first run, not from the file (the next save replaces it)
  --image-drop-missing with --image: resume even if classes, functions or modules the image holds are
                       gone from the code (bindings that hold them start again); refused otherwise
  -h, --help           this help

Everything after <entry.ts> is the program's: process.argv is [node, <entry.ts>, args...], as under
'node entry.js args...'. Put imago's options before the entry ('--' ends them).

imago's own lines go to stderr, prefixed [imago]; the program's output passes through untouched.

Modules compiled by a run are kept for the next one (the compile cache, in the temporary folder):
IMAGO_CACHE_DIR=<dir> keeps them elsewhere, IMAGO_CACHE=off keeps none (docs/start-up.md).
`;

function number(flag: string, value: string | undefined, min: number): number | string {
  if (value === undefined) return `${flag} needs a number`;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) return `${flag} takes a number >= ${min}, got '${value}'`;
  return n;
}

const RUN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  events: { type: 'string' },
  root: { type: 'string' },
  'tick-ms': { type: 'string' },
  'debounce-ms': { type: 'string' },
  watch: { type: 'boolean' },
  'no-watch': { type: 'boolean' },
  typecheck: { type: 'string' },
  image: { type: 'string' },
  autosave: { type: 'string' },
  fresh: { type: 'boolean' },
  'image-drop-missing': { type: 'boolean' },
  control: { type: 'string' },
  'no-control': { type: 'boolean' },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
  cluster: { type: 'string' },
  'swap-timeout': { type: 'string' },
} as const;

const CHECK_OPTIONS = { help: { type: 'boolean', short: 'h' }, root: { type: 'string' } } as const;

type Options = Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>;

/**
 * Splits `imago <command> [options] <entry> [program args...]` at the entry: what follows it (options
 * included) belongs to the program, as with `node [options] script.js [args...]`. A `--` before the
 * entry ends imago's options.
 */
function splitAtEntry(args: readonly string[], options: Options): { own: string[]; entry: string | undefined; rest: string[] } {
  const takesValue = (arg: string): boolean => {
    if (arg.includes('=')) return false;
    const name = arg.startsWith('--') ? arg.slice(2) : Object.entries(options).find(([, o]) => `-${o.short}` === arg)?.[0];
    return name !== undefined && options[name]?.type === 'string';
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return { own: args.slice(0, i), entry: args[i + 1], rest: args.slice(i + 2) };
    if (arg.startsWith('-') && arg !== '-') {
      if (takesValue(arg)) i++;
      continue;
    }
    return { own: args.slice(0, i), entry: arg, rest: args.slice(i + 1) };
  }
  return { own: [...args], entry: undefined, rest: [] };
}

/** node:util's parseArgs on imago's own options, its errors as one line that says what to do. */
export function parseOwn(
  command: string,
  own: readonly string[],
  options: Options,
): { values: Record<string, string | boolean | undefined> } | { error: string } {
  try {
    const { values } = utilParseArgs({ args: [...own], options, strict: true, allowPositionals: false });
    return { values: values as Record<string, string | boolean | undefined> };
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    const arg = /'([^']+)'/.exec((e as Error).message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { error: `unknown option '${arg}' for 'imago ${command}'; see 'imago ${command} --help'` };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test((e as Error).message))
      return { error: `${/--[\w-]+/.exec((e as Error).message)?.[0] ?? 'the option'} takes no value; see 'imago ${command} --help'` };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /--[\w-]+/.exec((e as Error).message)?.[0] ?? 'an option';
      const what: Record<string, string> = {
        '--events': 'a file path',
        '--root': 'a folder',
        '--typecheck': 'gate, warn or off',
        '--tick-ms': 'a number',
        '--debounce-ms': 'a number',
        '--image': 'a file path',
        '--autosave': 'a number of seconds',
        '--control': 'a socket path',
        '--ui-port': 'a port number',
        '--cluster': 'a number of worker processes, or auto',
        '--swap-timeout': 'a number of milliseconds',
        '--entry': 'a file path',
      };
      return { error: `${flag} needs ${what[flag] ?? 'a value'}` };
    }
    return { error: `${(e as Error).message}; see 'imago ${command} --help'` };
  }
}

/** Parses `argv` (without node and the script). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...args] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help', topic: 'main' };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'check') return parseCheck(args);
  if (command === 'image') return parseImage(args);
  if (isControlCommand(command)) return parseControl(command, args);
  if (command === 'edit') return parseEdit(args);
  if (command === 'fleet') {
    const fleet = parseFleet(args);
    return fleet.command === 'help' ? { command: 'help', topic: 'fleet' } : fleet;
  }
  if (command !== 'run') return { command: 'error', message: `unknown command '${command}'; try 'imago run <entry.ts>' or 'imago --help'` };
  const { own, entry, rest } = splitAtEntry(args, RUN_OPTIONS);
  const parsed = parseOwn('run', own, RUN_OPTIONS);
  if ('error' in parsed) return { command: 'error', message: parsed.error };
  const v = parsed.values;
  if (v['help']) return { command: 'help', topic: 'run' };
  if (v['watch'] === true && v['no-watch'] === true) return { command: 'error', message: '--watch and --no-watch contradict each other; give one' };
  const events = v['events'] as string | undefined;
  if (events === '') return { command: 'error', message: '--events needs a file path' };
  const root = v['root'] as string | undefined;
  if (root === '') return { command: 'error', message: '--root needs a folder' };
  const tickMs = v['tick-ms'] === undefined ? 16 : number('--tick-ms', v['tick-ms'] as string, 1);
  if (typeof tickMs === 'string') return { command: 'error', message: tickMs };
  const debounceMs = v['debounce-ms'] === undefined ? 3 : number('--debounce-ms', v['debounce-ms'] as string, 0);
  if (typeof debounceMs === 'string') return { command: 'error', message: debounceMs };
  const mode = (v['typecheck'] as string | undefined) ?? 'gate';
  if (mode !== 'gate' && mode !== 'warn' && mode !== 'off') return { command: 'error', message: `--typecheck takes gate, warn or off, got '${mode}'` };
  const image = imageOptions(v);
  if (typeof image === 'string') return { command: 'error', message: image };
  if (entry === undefined) return { command: 'error', message: "'imago run' needs an entry file, e.g. 'imago run src/main.ts'" };
  const control = v['control'] as string | undefined;
  if (control === '') return { command: 'error', message: '--control needs a socket path' };
  if (control !== undefined && v['no-control'] === true) return { command: 'error', message: '--control and --no-control contradict each other; give one' };
  const ui = uiPort(v);
  if (typeof ui === 'string') return { command: 'error', message: ui };
  const cluster = clusterSize(v['cluster'] as string | undefined);
  if (typeof cluster === 'string') return { command: 'error', message: cluster };
  if (cluster !== null && image)
    return {
      command: 'error',
      message: '--cluster does not go with --image yet (every worker process would save its own state to the one file): drop one of them',
    };
  if (cluster !== null && ui !== null)
    return {
      command: 'error',
      message: '--cluster does not go with --ui yet (the inspector shows one process, and the primary runs no program): drop one of them',
    };
  const swapTimeoutMs = v['swap-timeout'] === undefined ? 2000 : number('--swap-timeout', v['swap-timeout'] as string, 1);
  if (typeof swapTimeoutMs === 'string') return { command: 'error', message: swapTimeoutMs };
  if (swapTimeoutMs > 600_000) return { command: 'error', message: `--swap-timeout takes at most 600000 ms (10 minutes), got '${String(v['swap-timeout'])}'` };
  return {
    cluster,
    swapTimeoutMs,
    command: 'run',
    ui,
    entry,
    args: rest,
    events,
    tickMs,
    debounceMs,
    watch: v['no-watch'] !== true,
    root,
    typecheck: mode,
    image,
    control: v['no-control'] === true ? null : control,
  };
}

/** `--cluster`'s worker count (auto: one per CPU), null without it; a string says what is wrong. */
function clusterSize(text: string | undefined): number | null | string {
  if (text === undefined) return null;
  if (text === 'auto') return availableParallelism();
  if (/\.[cm]?tsx?$/.test(text)) return `--cluster needs a number of worker processes (or auto) before the entry, as in 'imago run --cluster 4 ${text}'`;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) return `--cluster takes a number of worker processes (1 to 256) or auto, got '${text}'`;
  return n;
}

/** `--ui` and `--ui-port`: the port (0: a free one), null for no page; a string says what is wrong. */
function uiPort(v: Record<string, string | boolean | undefined>): number | null | string {
  const port = v['ui-port'] as string | undefined;
  if (port === undefined) return v['ui'] === true ? 0 : null;
  if (v['ui'] !== true) return '--ui-port goes with --ui (the inspector is off unless asked for): add --ui';
  return portNumber('--ui-port', port);
}

/** A TCP port from a flag's text, or what is wrong with it. */
export function portNumber(flag: string, text: string): number | string {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) return `${flag} takes a port number from 0 to 65535 (0: a free one), got '${text}'`;
  return n;
}

/** `--image` and the options that need it; a string says what is wrong. */
function imageOptions(v: Record<string, string | boolean | undefined>): RunArgs['image'] | string {
  const file = v['image'] as string | undefined;
  if (file === '') return '--image needs a file path';
  if (file === undefined) {
    const orphan = ['autosave', 'fresh', 'image-drop-missing'].find((o) => v[o] !== undefined);
    return orphan ? `--${orphan} works with an image file: add --image <file>` : undefined;
  }
  const autosave = v['autosave'] === undefined ? undefined : number('--autosave', v['autosave'] as string, 0.1);
  if (typeof autosave === 'string') return autosave;
  // Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer period would fire at once, forever.
  if (autosave !== undefined && autosave > 2_147_483) return `--autosave takes at most 2147483 seconds (about 24 days), got '${String(v['autosave'])}'`;
  if (v['fresh'] === true && v['image-drop-missing'] === true)
    return '--fresh starts without the image, so --image-drop-missing has nothing to drop; give one of them';
  return { file, fresh: v['fresh'] === true, dropMissing: v['image-drop-missing'] === true, autosaveSeconds: autosave };
}

export const IMAGE_HELP = `Usage: imago image info <file>

Prints what an image file holds without running anything: its format, when and from which entry it
was saved, its modules and saved bindings, its classes with their instance counts and layouts, its
stores with their row counts, what was left out, and its size. Exits 1 with the reason when the file
is not an intact image this imago reads.
`;

function parseImage(args: readonly string[]): ParsedArgs {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') return { command: 'help', topic: 'image' };
  if (sub !== 'info') return { command: 'error', message: `unknown command 'imago image ${sub}'; try 'imago image info <file>'` };
  let positionals: string[];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values, positionals } = utilParseArgs({ args: [...rest], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true }));
  } catch (e: unknown) {
    return { command: 'error', message: `${(e as Error).message}; see 'imago image --help'` };
  }
  if (values['help']) return { command: 'help', topic: 'image' };
  if (positionals.length !== 1) return { command: 'error', message: "'imago image info' takes one image file, e.g. 'imago image info app.img'" };
  return { command: 'image-info', file: positionals[0]! };
}

function parseCheck(args: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = utilParseArgs({ args: [...args], options: CHECK_OPTIONS, strict: true, allowPositionals: true }));
  } catch {
    // The same words as run's for an unknown option or a missing value.
    const parsed = parseOwn('check', args, CHECK_OPTIONS);
    return { command: 'error', message: 'error' in parsed ? parsed.error : `see 'imago check --help'` };
  }
  if (positionals.length > 1) return { command: 'error', message: `one entry file only, got '${positionals[0]}' and '${positionals[1]}'` };
  if (values['help']) return { command: 'help', topic: 'check' };
  const root = values['root'] as string | undefined;
  if (root === '') return { command: 'error', message: '--root needs a folder' };
  return { command: 'check', entry: positionals[0] ?? '', root };
}
