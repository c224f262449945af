// `imago repl`: a terminal attached to a running image. Each input is sent to the image, which checks
// it against the current module and runs it there at a safe point; the reply is printed. Multi-line
// input continues while what was typed is incomplete; history is kept in .imago/repl_history.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseSync } from 'oxc-parser';
import { formatDiagnostic } from '../compile/diagnostic.js';
import { PROTOCOL_VERSION, type Reply } from '../host/control/protocol.js';
import { type ControlClient, connectControl } from './control-client.js';
import { parseTarget } from './control-commands.js';
import { depsText, describedText, statusText } from './control-print.js';
import { EDIT_HELP, parseEdit, printEdit } from './edit-command.js';

export interface ReplOptions {
  readonly socket: string;
  readonly typecheck: 'gate' | 'off';
  readonly history: string;
}

const HELP = `Type TypeScript: statements and expressions run in the scope of the current module, at the
image's next safe point, after a type check against that module. Declarations live in this session.

  .module [file]        show or change the module inputs run in (default: the entry)
  .describe <name>      what a name of the module is (module:name for another module)
  .deps <name[.member]> what references it, from the type checker
  .status               the image: modules, last changes, checker, memory
  .timeout [ms]         show or set the time an input may run (default 5000)
  .typecheck on|off     check inputs before they run (on by default)
  .clear                forget this session's declarations in the module
  .edit <command>       a structural edit of the files and the image (imago edit --help lists them)
  .break                drop the input being typed
  .help                 this help
  .exit                 leave (the image runs on); Ctrl-D too
`;

/** True when `text` stops short of a whole input (an unclosed brace, string, template, comment). */
export function incomplete(text: string): boolean {
  const r = parseSync('repl.ts', text, { sourceType: 'module', lang: 'ts' });
  const first = r.errors[0];
  if (!first) return false;
  const at = first.labels[0]?.start ?? 0;
  // An error at the very end (a brace or bracket left open), not a stray closer; or a template or a
  // block comment left open (oxc reports where it began: an unterminated template is an "unterminated string").
  if (at >= text.trimEnd().length) return true;
  if (/Unterminated (?:multi-?line comment|template)/i.test(first.message)) return true;
  return /Unterminated string/i.test(first.message) && text[at] === '`';
}

export async function repl(options: ReplOptions): Promise<number> {
  const client = await connectControl(options.socket);
  const hello = await client.request({ kind: 'hello', client: 'imago repl' });
  if (hello.kind !== 'hello') throw new Error(hello.kind === 'error' ? hello.message : `unexpected reply ${hello.kind}`);
  if (hello.protocol !== PROTOCOL_VERSION)
    throw new Error(`the image speaks control protocol ${hello.protocol}, this imago ${PROTOCOL_VERSION}: use the imago that runs it (imago ${hello.imago})`);
  const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
  const out = (text: string): void => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  let module = path.relative(hello.root, hello.entry);
  let timeoutMs = 5000;
  let typecheck = options.typecheck;
  const history = readHistory(options.history);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: tty,
    history,
    historySize: 1000,
    removeHistoryDuplicates: true,
    completer: (line: string, done: (e: Error | null, r: [string[], string]) => void) => {
      client.request({ kind: 'complete', code: buffer ? `${buffer}\n${line}` : line, module }).then(
        (r) => done(null, r.kind === 'completions' ? [[...r.items], r.prefix] : [[], line]),
        () => done(null, [[], line]),
      );
    },
  });
  const unchecked = hello.typecheck === 'off' ? ' The program runs with --typecheck=off: inputs run unchecked.' : '';
  out(`imago repl: ${hello.entry} (pid ${hello.pid}); inputs run in ${module}.${unchecked} .help for help, .exit to leave.`);
  let buffer = '';
  const prompt = (): void => {
    rl.setPrompt(buffer ? '... ' : `${module}> `);
    rl.prompt();
  };
  const say = (r: Reply): void => {
    switch (r.kind) {
      case 'value':
        out(r.text);
        break;
      case 'rejected':
        for (const n of r.notices ?? []) out(`// ${n}`);
        out(r.errors.map((d) => formatDiagnostic(d)).join('\n\n'));
        out('(not run)');
        break;
      case 'thrown':
        for (const n of r.notices ?? []) out(`// ${n}`);
        out(tty ? `\x1b[31m${r.text}\x1b[39m` : r.text);
        break;
      case 'described':
        out(describedText(r));
        break;
      case 'deps':
        out(depsText(r, false));
        break;
      case 'status':
        out(statusText(r));
        break;
      case 'cleared':
        out(r.names.length > 0 ? `forgot ${r.names.join(', ')}` : 'nothing to forget');
        break;
      case 'error':
        out(`error: ${r.message}`);
        break;
      default:
        out(JSON.stringify(r));
    }
  };
  const command = async (line: string): Promise<boolean> => {
    const [word = '', ...rest] = line.trim().split(/\s+/);
    const arg = rest.join(' ');
    switch (word) {
      case '.exit':
        return false;
      case '.help':
        out(HELP);
        break;
      case '.break':
        buffer = '';
        break;
      case '.module':
        if (!arg) out(`inputs run in ${module}`);
        else {
          // The image says whether it knows the module (and how it names it), running nothing.
          const r = await client.request({ kind: 'complete', code: '', module: arg });
          if (r.kind === 'error') out(`error: ${r.message}`);
          else {
            module = r.kind === 'completions' ? r.module : arg;
            out(`inputs run in ${module}`);
          }
        }
        break;
      case '.timeout': {
        const ms = Number(arg);
        if (arg && (!Number.isInteger(ms) || ms < 1 || ms > 2_147_483_647))
          out(`.timeout takes a whole number of milliseconds from 1 to 2147483647, got '${arg}'`);
        else if (arg) timeoutMs = ms;
        out(`inputs may run ${timeoutMs} ms`);
        break;
      }
      case '.typecheck':
        if (hello.typecheck === 'off') {
          out('inputs run unchecked: the program runs with --typecheck=off and has no type checker (restart it without, to check inputs)');
          break;
        }
        if (arg === 'on' || arg === 'off') typecheck = arg === 'on' ? 'gate' : 'off';
        else if (arg) out(`.typecheck takes on or off, got '${arg}'`);
        out(`inputs are ${typecheck === 'gate' ? '' : 'not '}type-checked before they run`);
        break;
      case '.clear':
        say(await client.request({ kind: 'clear', module }));
        break;
      case '.edit': {
        // The words as a shell would split them, quotes kept together: .edit add-field Critter "mood: string = 'calm'"
        const words = (arg.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => (/^(["']).*\1$/.test(w) && w.length > 1 ? w.slice(1, -1) : w));
        const parsed = parseEdit(words);
        if (parsed.command === 'error') out(parsed.message);
        else if (parsed.command === 'help') out(EDIT_HELP);
        else {
          const r = await client.request({ kind: 'edit', command: parsed.edit, ...(parsed.module ? { module: parsed.module } : {}), dryRun: parsed.dryRun });
          if (r.kind === 'edited') out(r.outcome.ok ? printEdit(r.outcome) : `refused: ${r.outcome.message}`);
          else say(r);
        }
        break;
      }
      case '.status':
        say(await client.request({ kind: 'status' }));
        break;
      case '.describe':
      case '.deps': {
        const name = rest.filter((r) => !r.startsWith('--')).join(' ');
        if (!name) {
          out(`${word} takes a name of the module, e.g. ${word} ${word === '.deps' ? 'Critter.hp' : 'Critter'} (module:name for another module)`);
          break;
        }
        const target = parseTarget(name.includes(':') ? name : `${module}:${name}`);
        if (typeof target === 'string') out(target);
        else if (word === '.describe' && target.member) out(`.describe takes a top-level name; for what references ${target.name}.${target.member}: .deps`);
        else if (word === '.describe')
          say(
            await client.request({
              kind: 'describe',
              name: target.name,
              module: target.module ?? module,
              instances: rest.includes('--instances'),
              colors: tty,
            }),
          );
        else
          say(await client.request({ kind: 'deps', name: target.name, module: target.module ?? module, ...(target.member ? { member: target.member } : {}) }));
        break;
      }
      default:
        out(`unknown command '${word}': .help lists them`);
    }
    return true;
  };
  return new Promise<number>((resolve) => {
    let busy: Promise<void> = Promise.resolve();
    let closed = false;
    const finish = (code: number): void => {
      if (closed) return;
      closed = true;
      rl.close();
      client.close();
      resolve(code);
    };
    client.onClose(() => {
      if (closed) return;
      out('the image went away (it stopped)');
      finish(1);
    });
    rl.on('line', (line) => {
      busy = busy.then(async () => {
        // `.break` and `.exit` work in the middle of a multi-line input too.
        const dot = line.trim().startsWith('.') && !/^\.\d/.test(line.trim()) && (!buffer || /^\.(?:break|exit)\s*$/.test(line.trim()));
        // The file keeps lines as typed, as readline's own history does: a multi-line input is recalled line by line.
        if (line.trim()) appendHistory(options.history, line);
        if (dot) {
          if (!(await command(line))) return finish(0);
          return prompt();
        }
        buffer += buffer ? `\n${line}` : line;
        if (!buffer.trim()) {
          buffer = '';
          return prompt();
        }
        if (incomplete(buffer)) return prompt();
        const code = buffer;
        buffer = '';
        say(await client.request({ kind: 'eval', code, module, typecheck, timeoutMs, colors: tty }));
        prompt();
      });
    });
    rl.on('SIGINT', () => {
      // As in Node's REPL: Ctrl-C drops what is typed (the line, or a multi-line input); on an empty prompt it says how to leave.
      const typed = rl.line.length > 0;
      if (buffer || typed) {
        buffer = '';
        rl.write(null, { ctrl: true, name: 'u' });
        out('');
        prompt();
        return;
      }
      out('(Ctrl-D or .exit to leave)');
      prompt();
    });
    rl.on('close', () => {
      void busy.then(() => finish(0));
    });
    prompt();
  });
}

/** The last 1,000 lines of the history (the file is cut to them, so it does not grow forever). */
function readHistory(file: string): string[] {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    if (lines.length > 2000) fs.writeFileSync(file, `${lines.slice(-1000).join('\n')}\n`, { mode: 0o600 });
    return lines.slice(-1000).reverse();
  } catch {
    return [];
  }
}

function appendHistory(file: string, line: string): void {
  try {
    fs.appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    /* no history where it cannot be written: the REPL works on */
  }
}

export type { ControlClient };
