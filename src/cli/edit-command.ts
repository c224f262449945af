// `imago edit <command>`: a structural edit of the project's files and, when the program runs, of the
// running image, as one transaction (docs/edits.md).

import path from 'node:path';
import { parseArgs as utilParseArgs } from 'node:util';
import { WorkerTypeGate } from '../check/type-gate.js';
import { classMember, EDIT_COMMANDS, type EditCommand, type EditOutcome } from '../host/edit/commands.js';
import { connectControl } from './control-client.js';

export interface EditArgs {
  readonly command: 'edit';
  readonly edit: EditCommand;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly module: string | undefined;
  readonly control: string | undefined;
  readonly root: string | undefined;
  readonly entry: string | undefined;
}

export const EDIT_HELP = `Usage: imago edit <command> [--dry-run] [--module <file>] [--json] [--control <path>] [--root <dir>]

Changes the project's files and, when the program runs under imago, the running image, as one change:
the files are rewritten, type-checked, and the image takes the change with every instance and store row
migrated by what the command means; or nothing changes (no file written, the image untouched).

  add-field <Class> <name>: <type> [= <init>] [--after <field>]
                                 add a field (after the last one); live instances get the initializer
  remove-field <Class>.<field> [--force]
                                 remove a field; refused while code uses it, unless --force (then the
                                 type check shows what breaks, and the edit is refused if anything does)
  rename-field <Class>.<old> <new>
                                 rename a field everywhere the type checker sees it (object literals,
                                 destructuring, shorthands, string keys it resolves); live values are kept
  retype-field <Class>.<field> <type>
                                 change a field's type; live values are converted, or the edit refused
  rename <module>:<name> <new>   rename a top-level function, class, binding, enum or type everywhere;
                                 the live image keeps what it named: a function's references taken
                                 before, a class's instances, a binding's value
  rename <module>:<Name>.<member> <new>
                                 rename a class's method or an enum's member everywhere
  move <module>:<name> <other module>
                                 move a top-level function or class to another file (created if
                                 missing), imports fixed everywhere; live identity and instances kept

  --dry-run         print the diff and the migration plan; change nothing
  --module <file>   the file of the class (default: the one project file that declares it)
  --entry <file>    with no program running: the program to type-check (default: package.json "main", src/main.ts, ...)

A field spec may be one quoted argument or the remaining words: add-field Critter "mood: string = 'calm'".
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  module: { type: 'string' },
  after: { type: 'string' },
  force: { type: 'boolean' },
  control: { type: 'string' },
  root: { type: 'string' },
  entry: { type: 'string' },
} as const;

export function parseEdit(args: readonly string[]): EditArgs | { command: 'help'; topic: 'edit' } | { command: 'error'; message: string } {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = utilParseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (e: unknown) {
    return { command: 'error', message: `${(e as Error).message.split('\n')[0]}; see 'imago edit --help'` };
  }
  if (values['help'] || positionals.length === 0) return { command: 'help', topic: 'edit' };
  const [kind, ...rest] = positionals;
  if (!(EDIT_COMMANDS as readonly string[]).includes(kind!))
    return { command: 'error', message: `unknown edit '${kind}'; the edits are ${EDIT_COMMANDS.join(', ')} (imago edit --help)` };
  const only = (flag: string, of: string): string | null => (values[flag] !== undefined && kind !== of ? `--${flag} goes with ${of}` : null);
  const misplaced = only('after', 'add-field') ?? only('force', 'remove-field');
  if (misplaced) return { command: 'error', message: misplaced };
  let edit: EditCommand;
  switch (kind) {
    case 'add-field': {
      const [className, ...spec] = rest;
      if (!className || !/^[A-Za-z_$][\w$]*$/.test(className) || spec.length === 0)
        return { command: 'error', message: 'add-field takes <Class> <name>: <type> [= <init>], e.g. add-field Critter "mood: string = \'calm\'"' };
      const after = values['after'] as string | undefined;
      edit = { kind, className, spec: spec.join(' '), ...(after !== undefined ? { after } : {}) };
      break;
    }
    case 'remove-field': {
      const target = classMember(rest[0], 'remove-field');
      if (typeof target === 'string') return { command: 'error', message: target };
      if (rest.length > 1) return { command: 'error', message: `remove-field takes one <Class>.<field>, got '${rest.join(' ')}'` };
      edit = { kind, ...target, force: values['force'] === true };
      break;
    }
    case 'rename-field': {
      const target = classMember(rest[0], 'rename-field');
      if (typeof target === 'string') return { command: 'error', message: target };
      if (rest.length !== 2) return { command: 'error', message: 'rename-field takes <Class>.<old> <new>, e.g. rename-field Critter.hp health' };
      edit = { kind, ...target, to: rest[1]! };
      break;
    }
    case 'rename': {
      const m = /^(.+):([A-Za-z_$][\w$]*)(?:\.(#?[A-Za-z_$][\w$]*))?$/.exec(rest[0] ?? '');
      if (!m || rest.length !== 2)
        return { command: 'error', message: 'rename takes <module>:<name> <new> or <module>:<Name>.<member> <new>, e.g. rename src/rules.ts:move step' };
      edit = { kind, module: m[1]!, name: m[2]!, ...(m[3] ? { member: m[3] } : {}), to: rest[1]! };
      break;
    }
    case 'move': {
      const m = /^(.+):([A-Za-z_$][\w$]*)$/.exec(rest[0] ?? '');
      if (!m || rest.length !== 2)
        return { command: 'error', message: 'move takes <module>:<name> <other module>, e.g. move src/world.ts:Critter src/critter.ts' };
      edit = { kind, module: m[1]!, name: m[2]!, to: rest[1]! };
      break;
    }
    default: {
      const target = classMember(rest[0], 'retype-field');
      if (typeof target === 'string') return { command: 'error', message: target };
      if (rest.length < 2) return { command: 'error', message: 'retype-field takes <Class>.<field> <type>, e.g. retype-field Critter.hp bigint' };
      edit = { kind: 'retype-field', ...target, type: rest.slice(1).join(' ') };
    }
  }
  return {
    command: 'edit',
    edit,
    dryRun: values['dry-run'] === true,
    json: values['json'] === true,
    module: values['module'] as string | undefined,
    control: values['control'] as string | undefined,
    root: values['root'] as string | undefined,
    entry: values['entry'] as string | undefined,
  };
}

/** How an edit's outcome reads on a terminal (the REPL's `.edit` prints the same). */
export function printEdit(outcome: EditOutcome): string {
  const lines: string[] = [];
  const where = outcome.live ? 'the files and the running image' : 'the files (no program is running)';
  if (outcome.dryRun) {
    lines.push(`dry run: nothing changed. This edit would change ${where}:`);
    for (const f of outcome.files) lines.push(f.diff);
    lines.push('migration plan:', ...outcome.migration.map((m) => `  ${m}`));
    return lines.join('\n');
  }
  lines.push(`changed ${where}:`);
  for (const f of outcome.files) lines.push(`  ${f.file}: line${f.lines.length === 1 ? '' : 's'} ${f.lines.join(', ')}`);
  lines.push(...outcome.migration.map((m) => `  ${m}`));
  const ms = outcome.ms;
  if (ms)
    lines.push(
      `  in ${(ms.plan + ms.change + ms.write).toFixed(0)} ms: references ${ms.plan.toFixed(0)}, the change ${ms.change.toFixed(0)} (type check ${ms.typecheck.toFixed(0)}, migration ${ms.migrate.toFixed(0)}${ms.find > 0 ? `, of which finding the instances ${ms.find.toFixed(0)}` : ''}), writing ${ms.write.toFixed(0)}`,
    );
  return lines.join('\n');
}

/** Runs the edit through the running image, or on the files alone when none runs. */
export async function editCommand(args: EditArgs, root: string, socket: string): Promise<number> {
  const client = await connectControl(socket).catch((e: Error) => {
    if (!/no imago is running/.test(e.message)) throw e;
    return null;
  });
  let outcome: EditOutcome;
  if (client) {
    try {
      const reply = await client.request({ kind: 'edit', command: args.edit, ...(args.module ? { module: args.module } : {}), dryRun: args.dryRun });
      if (reply.kind === 'error') throw new Error(reply.message);
      if (reply.kind !== 'edited') throw new Error(`unexpected reply '${reply.kind}'`);
      outcome = reply.outcome;
    } finally {
      client.close();
    }
  } else {
    // Loaded here, not with the command line's parsing: `imago run` never needs them.
    const { guessEntry } = await import('./control-commands.js');
    const { runEdit } = await import('../host/edit/run.js');
    const entry = args.entry ? path.resolve(args.entry) : guessEntry(root);
    if (!entry)
      throw new Error(
        `no program is running under ${root} and no entry was found there to type-check the edit with: run imago edit in the project's folder, or give --root <dir> or --entry <file>`,
      );
    const { gate } = await WorkerTypeGate.open({ root, entry });
    try {
      outcome = await runEdit(args.edit, { root, module: args.module, dryRun: args.dryRun, checker: gate, image: null, gated: true });
    } finally {
      gate.close();
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (outcome.ok) process.stdout.write(`${printEdit(outcome)}\n`);
  if (!outcome.ok) {
    // A dry run that would be refused still shows what it would have written.
    if (!args.json && outcome.dryRun && outcome.files.length > 0) process.stdout.write(`${outcome.files.map((f) => f.diff).join('\n')}\n`);
    if (!args.json) process.stderr.write(`imago: ${outcome.message}\n`);
    return 1;
  }
  return 0;
}
