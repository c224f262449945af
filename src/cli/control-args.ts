// The options of the commands that talk to a running image through its control channel.

import { parseArgs as utilParseArgs } from 'node:util';
import { parseOwn, portNumber } from './args.js';

export type ControlCommand = 'repl' | 'describe' | 'deps' | 'status' | 'inspect';

export type ControlArgs =
  | { readonly command: 'repl'; readonly control: string | undefined; readonly root: string | undefined; readonly typecheck: 'gate' | 'off' }
  | {
      readonly command: 'describe' | 'deps';
      readonly target: string;
      readonly control: string | undefined;
      readonly root: string | undefined;
      readonly json: boolean;
      readonly instances: boolean;
      readonly entry: string | undefined;
    }
  | { readonly command: 'status'; readonly control: string | undefined; readonly root: string | undefined; readonly json: boolean }
  | {
      readonly command: 'inspect';
      readonly control: string | undefined;
      readonly root: string | undefined;
      readonly json: boolean;
      /** The port asked for (undefined: a free one), or close the page. */
      readonly port: number | undefined;
      readonly close: boolean;
    };

export function isControlCommand(command: string): command is ControlCommand {
  return command === 'repl' || command === 'describe' || command === 'deps' || command === 'status' || command === 'inspect';
}

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  control: { type: 'string' },
  root: { type: 'string' },
} as const;

const OPTIONS = {
  repl: { ...COMMON, typecheck: { type: 'string' } },
  describe: { ...COMMON, json: { type: 'boolean' }, instances: { type: 'boolean' } },
  deps: { ...COMMON, json: { type: 'boolean' }, entry: { type: 'string' } },
  status: { ...COMMON, json: { type: 'boolean' } },
  inspect: { ...COMMON, json: { type: 'boolean' }, 'ui-port': { type: 'string' }, close: { type: 'boolean' } },
} as const;

const SOCKET = `The image is found through its control socket: .imago/control.sock under the project root (the
nearest folder above the current one with a package.json; --root <dir> to name it), or --control <path>
for a socket 'imago run --control <path>' opened.`;

export const CONTROL_HELP: Readonly<Record<ControlCommand, string>> = {
  repl: `Usage: imago repl [--control <path>] [--root <dir>] [--typecheck gate|off]

A TypeScript REPL inside a running image. Inputs run in the scope of a module (.module <file>; the
entry at first): its bindings, imports, functions and classes by name. Each input is type-checked
against that module before it runs (--typecheck off to skip), runs at the image's next safe point, and
may await. Assignments to module state stick. An error, a rejected promise, or an input that runs past
.timeout (default 5 s) leaves the image running. .help inside the REPL lists its commands.

${SOCKET}
`,
  describe: `Usage: imago describe [--json] [--instances] [--control <path>] [--root <dir>] <module>:<name>

What top-level <name> of <module> is in the running image: a function's place, signature, size and
versions; a class's layout (and its history), methods, stores, and with --instances its live instance
count (a heap walk); a binding's type and value.

${SOCKET}
`,
  deps: `Usage: imago deps [--json] [--control <path>] [--root <dir>] [--entry <file>] <module>:<name>[.<member>]

Every place that references <name> of <module> (or its <member>: a field, a method), grouped by the
function or class that contains it, from the type checker (through imports, re-exports and aliases,
object literals typed by a class included); and the stores a class lays out. With no image running it
answers from the files, opening the program of --entry (default: package.json "main", src/main.ts,
main.ts, src/index.ts, index.ts).

${SOCKET}
`,
  status: `Usage: imago status [--json] [--control <path>] [--root <dir>]

The running image on one screen: its entry, uptime, modules with their version numbers, the last 10
changes (applied or rejected, with timing), the type checker's state, memory, open control clients.

${SOCKET}
`,
  inspect: `Usage: imago inspect [--ui-port <n>] [--close] [--json] [--control <path>] [--root <dir>]

Opens the inspector of a running image (as 'imago run --ui' does at its start) and prints its address:
a page on 127.0.0.1 with a token, showing the image live in a browser: its changes, modules and values,
classes and instances, stores, health, and a REPL (docs/inspector.md). The page stays open while the
image runs; asked again, the same address is printed. --ui-port <n> opens it on that port (default: a
free one); --close closes it (open pages lose their connection).

${SOCKET}
`,
};

export function parseControl(
  command: ControlCommand,
  args: readonly string[],
): ControlArgs | { command: 'help'; topic: ControlCommand } | { command: 'error'; message: string } {
  const options = OPTIONS[command];
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = utilParseArgs({ args: [...args], options, strict: true, allowPositionals: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch {
    const parsed = parseOwn(
      command,
      args.filter((a) => a.startsWith('-')),
      options,
    );
    return { command: 'error', message: 'error' in parsed ? parsed.error : `see 'imago ${command} --help'` };
  }
  if (values['help']) return { command: 'help', topic: command };
  const control = values['control'] as string | undefined;
  if (control === '') return { command: 'error', message: '--control needs a socket path' };
  const root = values['root'] as string | undefined;
  if (root === '') return { command: 'error', message: '--root needs a folder' };
  const json = values['json'] === true;
  switch (command) {
    case 'repl': {
      if (positionals.length > 0) return { command: 'error', message: `'imago repl' takes no arguments, got '${positionals[0]}'` };
      const mode = (values['typecheck'] as string | undefined) ?? 'gate';
      if (mode !== 'gate' && mode !== 'off') return { command: 'error', message: `--typecheck takes gate or off for the REPL, got '${mode}'` };
      return { command, control, root, typecheck: mode };
    }
    case 'status':
      if (positionals.length > 0) return { command: 'error', message: `'imago status' takes no arguments, got '${positionals[0]}'` };
      return { command, control, root, json };
    case 'inspect': {
      if (positionals.length > 0) return { command: 'error', message: `'imago inspect' takes no arguments, got '${positionals[0]}'` };
      const text = values['ui-port'] as string | undefined;
      const port = text === undefined ? undefined : portNumber('--ui-port', text);
      if (typeof port === 'string') return { command: 'error', message: port };
      if (port !== undefined && values['close'] === true) return { command: 'error', message: '--ui-port opens the inspector and --close closes it: give one' };
      return { command, control, root, json, port, close: values['close'] === true };
    }
    default: {
      if (positionals.length !== 1)
        return { command: 'error', message: `'imago ${command}' takes one <module>:<name>, e.g. 'imago ${command} src/world.ts:Critter'` };
      const entry = values['entry'] as string | undefined;
      return { command, target: positionals[0]!, control, root, json, instances: values['instances'] === true, entry };
    }
  }
}
