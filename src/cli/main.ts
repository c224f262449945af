// The `imago` command.

import fs from 'node:fs';
import path from 'node:path';
// Only what parsing the command line needs is imported up front; each command loads the rest. `imago
// run` starts its type checker (a thread) before it loads the runtime, so the two start side by side
// (docs/start-up.md).

import { discardPrestartedChecker, WorkerTypeGate } from '../check/type-gate.js';
import { guardOutput } from '../host/output-guard.js';
import type { Session, SessionOptions } from '../host/session.js';
import { CHECK_HELP, IMAGE_HELP, MAIN_HELP, parseArgs, RUN_HELP, type RunArgs } from './args.js';
import { CONTROL_HELP, type ControlArgs } from './control-args.js';
import { defaultControlPath, findRoot } from './control-client.js';
import { EDIT_HELP, type EditArgs, editCommand } from './edit-command.js';
import { FLEET_HELP } from './fleet-args.js';

function fail(message: string): never {
  discardPrestartedChecker();
  process.stderr.write(`imago: ${message}\n`);
  process.exit(2);
}

/** Exit codes after a signal are 128 + its number, as shells report them. */
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

async function run(args: RunArgs): Promise<void> {
  const entry = path.resolve(args.entry);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    fail(`entry file '${args.entry}' not found (looked at ${entry})`);
  }
  if (!stat.isFile()) fail(`entry '${args.entry}' is not a file`);
  const root = args.root ? path.resolve(args.root) : findRoot(path.dirname(entry));
  if (args.root && !fs.existsSync(root)) fail(`--root folder '${args.root}' not found`);
  if (args.events) {
    try {
      fs.appendFileSync(path.resolve(args.events), '');
    } catch (e: unknown) {
      fail(`cannot write the events file '${args.events}': ${(e as Error).message}`);
    }
  }
  // The checker opens while the runtime loads: its start is most of a first run's wait.
  if (args.typecheck === 'off') discardPrestartedChecker();
  const checker = args.typecheck === 'off' ? undefined : WorkerTypeGate.open({ root, entry });
  // A start that fails is said by the session, which runs without it; never an unhandled rejection meanwhile.
  checker?.catch(() => undefined);
  const { lockImageFile, openImageFile } = await import('../host/image-saver.js');
  const { startSession } = await import('../host/session.js');
  // The program sees the command line it would see under `node <entry> args...`.
  process.argv = [process.argv[0] ?? process.execPath, entry, ...args.args];
  let session: Session | null = null;
  const output = guardOutput((which, e) => {
    // The program runs on without its reader; the events file (if any) says so, imago's stderr may be gone.
    const message = `the reader of imago's ${which} went away (${(e as NodeJS.ErrnoException).code ?? e.message}); ${which === 'stdout' ? "the program's output is dropped" : "imago's own lines are dropped"} and the program keeps running`;
    session?.image.publish({ kind: 'warning', message, errors: [] });
  });
  // Signals are taken from the start: one that comes while the program starts stops it once started (its
  // image saved), a second one exits at once. Without this, a signal during startup killed imago outright.
  let stop: ((signal: keyof typeof SIGNAL_NUMBERS) => void) | null = null;
  let pending: keyof typeof SIGNAL_NUMBERS | null = null;
  const onSignal = (signal: keyof typeof SIGNAL_NUMBERS): void => {
    if (stop) {
      stop(signal);
      return;
    }
    if (pending) process.exit(128 + SIGNAL_NUMBERS[pending]);
    pending = signal;
    output.stderr(`[imago] ${signal}: stopping as soon as the program has started (again to exit now)\n`);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  let image: SessionOptions['image'];
  if (args.image) {
    const settings = { ...args.image, file: path.resolve(args.image.file) };
    if (!fs.existsSync(path.dirname(settings.file))) fail(`--image: the folder of '${args.image.file}' does not exist (${path.dirname(settings.file)})`);
    const locked = lockImageFile(settings.file, args.image.file);
    if (locked) {
      process.stderr.write(`imago: ${locked}\n`);
      process.exit(1);
    }
    const opened = await openImageFile(settings, root, entry);
    if ('problem' in opened) {
      // The file is left exactly as it is: nothing is written when the resume is refused.
      process.stderr.write(`imago: ${opened.problem}\n`);
      process.exit(1);
    }
    if (opened.note) process.stderr.write(`[imago] ${opened.note}\n`);
    image = { settings, resume: opened.resume };
  }
  session = await startSession({
    entry,
    root,
    eventsFile: args.events ? path.resolve(args.events) : undefined,
    tickMs: args.tickMs,
    debounceMs: args.debounceMs,
    watch: args.watch,
    typecheck: args.typecheck,
    ...(checker ? { checker } : {}),
    stderr: output.stderr,
    ...(image ? { image } : {}),
    control: args.control === null ? null : { path: path.resolve(args.control ?? defaultControlPath(root)), own: args.control === undefined },
    ui: args.ui,
    cluster: args.cluster,
    swapTimeoutMs: args.swapTimeoutMs,
  });
  const live = session;
  if (!args.watch && !live.started) {
    await live.close();
    process.exit(1);
  }
  let stopping = false;
  stop = (signal: keyof typeof SIGNAL_NUMBERS): void => {
    if (stopping) process.exit(130);
    stopping = true;
    // A program with its own handler for the signal decides when to exit; imago only runs stop().
    const programHandles = process.listenerCount(signal) > 1;
    output.stderr(`[imago] ${signal}: stopping${programHandles ? ' (the program handles the signal and exits itself)' : ''}\n`);
    live.close().then(
      () => {
        if (!programHandles) process.exit(live.stopFailed || live.saveFailed ? 1 : 128 + SIGNAL_NUMBERS[signal]);
      },
      (e: unknown) => {
        output.stderr(`[imago] stopping failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // As if it came now: the program's own handlers (installed while it started) get it too.
  if (pending) process.emit(pending, pending);
  // A program that ends by itself (nothing left to wait for, under --no-watch) is stopped and saved once.
  if (image)
    process.once('beforeExit', () => {
      if (stopping) return;
      stopping = true;
      void live.close().then(() => process.exit(live.stopFailed || live.saveFailed ? 1 : 0));
    });
}

/** The entry `imago check` checks when none is named. */
function defaultEntry(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { main?: unknown };
    if (typeof pkg.main === 'string' && /\.(ts|tsx|mts)$/.test(pkg.main) && fs.existsSync(pkg.main)) return pkg.main;
  } catch {
    /* no package.json: try the usual places */
  }
  for (const candidate of ['src/main.ts', 'main.ts', 'src/index.ts', 'index.ts']) if (fs.existsSync(candidate)) return candidate;
  fail("no entry file: name one, as in 'imago check src/main.ts'");
}

async function check(entryArg: string, rootArg: string | undefined): Promise<void> {
  const entry = path.resolve(entryArg || defaultEntry());
  if (!fs.existsSync(entry) || !fs.statSync(entry).isFile()) fail(`entry file '${entryArg}' not found (looked at ${entry})`);
  const root = rootArg ? path.resolve(rootArg) : findRoot(path.dirname(entry));
  const { formatDiagnostic } = await import('../compile/diagnostic.js');
  const { plural } = await import('../runtime/words.js');
  const t0 = performance.now();
  const { gate, files, config, configErrors } = await WorkerTypeGate.open({ root, entry });
  const result = await gate.check(new Map(), true);
  gate.close();
  const errors = [...configErrors, ...result.errors];
  for (const notice of result.notices) process.stdout.write(`note: ${notice}\n`);
  for (const d of errors) process.stdout.write(`${formatDiagnostic(d)}\n\n`);
  const ms = performance.now() - t0;
  const where = `${plural(files, 'file')}, ${config}`;
  if (errors.length > 0) {
    const inFiles = new Set(errors.map((d) => d.file)).size;
    process.stdout.write(`Found ${plural(errors.length, 'error')} in ${plural(inFiles, 'file')} (${where}; ${ms.toFixed(0)} ms).\n`);
    process.exit(1);
  }
  process.stdout.write(`No type errors (${where}; ${ms.toFixed(0)} ms).\n`);
  process.exit(0);
}

/** An edit's file arguments as the shell means them: relative to the current folder (made absolute). */
function fromHere(args: EditArgs): EditArgs {
  const here = (p: string): string => path.resolve(process.cwd(), p);
  const e = args.edit;
  const edit = e.kind === 'move' ? { ...e, module: here(e.module), to: here(e.to) } : e.kind === 'rename' ? { ...e, module: here(e.module) } : e;
  return { ...args, edit, ...(args.module ? { module: here(args.module) } : {}) };
}

/** The commands that talk to a running image; their errors are one line that says what to do. */
async function control(given: ControlArgs | EditArgs): Promise<number> {
  const args = given.command === 'edit' ? fromHere(given) : given;
  // An edit naming a file belongs to the project of that file (run from anywhere).
  const anchor =
    args.command !== 'edit' ? process.cwd() : 'module' in args.edit ? path.dirname(args.edit.module) : args.module ? path.dirname(args.module) : process.cwd();
  const root = args.root ? path.resolve(args.root) : findRoot(anchor);
  if (args.root && !fs.existsSync(root)) fail(`--root folder '${args.root}' not found`);
  const socket = path.resolve(args.control ?? defaultControlPath(root));
  const { depsCommand, describeCommand, inspectCommand, parseTarget, statusCommand } = await import('./control-commands.js');
  const { repl } = await import('./repl.js');
  try {
    switch (args.command) {
      case 'edit':
        return await editCommand(args, root, socket);
      case 'repl':
        return await repl({ socket, typecheck: args.typecheck, history: path.join(path.dirname(socket), 'repl_history') });
      case 'status':
        return await statusCommand(socket, args.json);
      case 'inspect':
        return await inspectCommand(socket, args);
      case 'describe':
      case 'deps': {
        const parsed = parseTarget(args.target);
        if (typeof parsed === 'string') fail(parsed);
        // A module path as the shell means it (from the current folder), sent as the image names modules (from the root).
        const here = parsed.module ? path.resolve(process.cwd(), parsed.module) : null;
        const target = here && fs.existsSync(here) ? { ...parsed, module: path.relative(root, here) } : parsed;
        return args.command === 'describe'
          ? await describeCommand(socket, target, { json: args.json, instances: args.instances })
          : await depsCommand(socket, target, { json: args.json, root, entry: args.entry });
      }
    }
  } catch (e: unknown) {
    process.stderr.write(`imago: ${(e as Error).message}\n`);
    return 1;
  }
}

const parsed = parseArgs(process.argv.slice(2));
switch (parsed.command) {
  case 'help':
    process.stdout.write(
      parsed.topic === 'run'
        ? RUN_HELP
        : parsed.topic === 'check'
          ? CHECK_HELP
          : parsed.topic === 'image'
            ? IMAGE_HELP
            : parsed.topic === 'main'
              ? MAIN_HELP
              : parsed.topic === 'edit'
                ? EDIT_HELP
                : parsed.topic === 'fleet'
                  ? FLEET_HELP
                  : CONTROL_HELP[parsed.topic],
    );
    break;
  case 'edit':
  case 'repl':
  case 'describe':
  case 'deps':
  case 'status':
  case 'inspect':
    process.exit(await control(parsed));
    break;
  case 'check':
    await check(parsed.entry, parsed.root);
    break;
  case 'fleet': {
    const root = parsed.root ? path.resolve(parsed.root) : findRoot(process.cwd());
    if (parsed.root && !fs.existsSync(root)) fail(`--root folder '${parsed.root}' not found`);
    const { fleetCommand } = await import('./fleet-command.js');
    process.exit(
      await fleetCommand(parsed, root).catch((e: unknown) => {
        process.stderr.write(`imago: ${(e as Error).message}\n`);
        return 1;
      }),
    );
    break;
  }
  case 'image-info':
    process.exit(await (await import('./image-info.js')).imageInfo(parsed.file));
    break;
  case 'version': {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`imago ${pkg.version}\n`);
    break;
  }
  case 'error':
    fail(parsed.message);
    break;
  case 'run':
    await run(parsed);
    break;
}
