// The REPL's evaluation service: an input is compiled (compile/repl-input.ts), type-checked against the
// module it runs in (the module's running source with the session's earlier declarations and the input
// appended, checked by the gate's checker and put back), then run at the image's next safe point in
// the module's scope. Synchronous code, and the printing of its value, run under node:vm's timeout,
// which interrupts a runaway input (V8 TerminateExecution from a watchdog thread) and leaves the
// isolate running: the image goes on. Code after an `await` runs like the program's own async code: a
// timeout cannot stop it there (docs/control.md).

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';
import { resolve as resolveImport } from 'import-meta-resolve';
import type { WorkerTypeGate } from '../../check/type-gate.js';
import type { Diagnostic } from '../../compile/diagnostic.js';
import { compileReplInput, REPL_SLOT, type ReplCompiled } from '../../compile/repl-input.js';
import { codeFrame, lineStarts, positionAt } from '../../compile/source-text.js';
import type { Image } from '../../runtime/image.js';
import type { ModuleScope } from '../../runtime/module-scope.js';
import { installStackMapper } from '../stack-traces.js';
import type { Reply, Request } from './protocol.js';
import { checkedText, dropClashes, type ModuleSession, type ReplSession, scopeProxy } from './repl-session.js';

export { ReplSession } from './repl-session.js';

const DEFAULT_TIMEOUT_MS = 5000;
/** How many inputs' positions are kept for mapping the frames of functions they declared. */
const INPUTS_KEPT = 1000;
/** "Declared but never read": a REPL input declares for later inputs, which the checker cannot know. */
const UNUSED = new Set(['TS6133', 'TS6196', 'TS6198', 'TS6138', 'TS6192', 'TS6199', 'TS6205']);

type Compiled = Extract<ReplCompiled, { ok: true }>;
type EvalRequest = Extract<Request, { kind: 'eval' }>;

export interface EvalSetup {
  readonly image: Image;
  readonly entry: string;
  /** The checker, or null when the image runs with --typecheck=off. */
  readonly checker: WorkerTypeGate | null;
  /** After an input ran: a notice when it changed how the program runs (a paused tick resumed). */
  readonly afterInput?: () => string | null;
}

/** The most of a printed value a reply carries (the channel's lines stay under MAX_LINE_BYTES). */
const MAX_PRINTED = 256 * 1024;

function capped(text: string): string {
  if (text.length <= MAX_PRINTED) return text;
  return `${text.slice(0, MAX_PRINTED)}\n... (${text.length - MAX_PRINTED} more characters not shown: print a part of it)`;
}

/** What a run at the safe point gave. */
type Ran = { readonly value: unknown; readonly runMs: number } | { readonly thrown: unknown };

export class Evaluator {
  /** What maps the stack frames of inputs, by script filename. */
  readonly #inputs = new Map<string, { readonly number: number } & Pick<Compiled, 'where' | 'prefixLength' | 'suffixLine'>>();
  /** Each module's scope, rebuilt when its version changes. */
  readonly #scopes = new Map<string, ModuleScope>();
  #count = 0;
  readonly #unmap: () => void;

  constructor(private readonly setup: EvalSetup) {
    this.#unmap = installStackMapper((file, line, column) => this.#mapFrame(file, line, column));
  }

  /** The scope `module` names now (outside a safe point: for reading its source and names), or why there is none. */
  scope(module: string | undefined): ModuleScope | string {
    const found = this.setup.image.introspection.scope(module ?? this.setup.entry);
    if (!found.ok) return found.message;
    this.#scopes.set(found.value.file, found.value);
    return found.value;
  }

  /** The scope of `file` as its running version has it (inputs' functions read through it at any time). */
  #current(file: string, fallback: ModuleScope): ModuleScope {
    const cached = this.#scopes.get(file) ?? fallback;
    if (this.setup.image.introspection.version(file) === cached.version) return cached;
    const found = this.setup.image.introspection.scope(file);
    if (!found.ok) return cached;
    this.#scopes.set(file, found.value);
    return found.value;
  }

  async evaluate(request: EvalRequest, session: ReplSession): Promise<Reply> {
    const notices: string[] = [];
    const reply = await this.#evaluate(request, session, notices);
    // What the session lost, or how the program changed, is said whatever became of the input.
    return (reply.kind === 'rejected' || reply.kind === 'thrown') && notices.length > 0 ? { ...reply, notices } : reply;
  }

  async #evaluate(request: EvalRequest, session: ReplSession, notices: string[]): Promise<Reply> {
    const { id } = request;
    const scope = this.scope(request.module);
    if (typeof scope === 'string') return { kind: 'error', id, code: 'not-found', message: scope };
    const module = scope.rel;
    const own = session.of(scope.file);
    const dropped = dropClashes(scope, own);
    if (dropped.length > 0)
      notices.push(
        `${module} declares ${dropped.filter((n) => scope.names.has(n)).join(', ')} now: the session's inputs that declared them are forgotten (${dropped.join(', ')})`,
      );
    const compiled = compileReplInput('repl', request.code);
    if (!compiled.ok) return { kind: 'rejected', id, module, errors: compiled.errors };
    // Declarations the session cannot take: refused before anything is checked or run.
    const refuse = (message: string): Reply => ({ kind: 'rejected', id, module, errors: [diagnostic(request.code, 0, 'IMAGO_REPL', message)] });
    const clash = compiled.declared.find((d) => scope.names.has(d.name));
    if (clash) return refuse(`'${clash.name}' is a top-level binding of ${module} already: assign it without declaring it again`);
    const again = compiled.declared.find((d) => own.constants.has(d.name));
    if (again)
      return refuse(`'${again.name}' is a const of this REPL session already: it cannot be declared again (.clear forgets the session's declarations)`);
    const t0 = performance.now();
    const checker = request.typecheck === 'off' ? null : this.setup.checker;
    if (checker) {
      const { text, from, inputAt } = checkedText(scope, own, compiled.source);
      const answer = await checker.query({ kind: 'probe', file: scope.file, text, from });
      if (!answer.checked) notices.push(`${module} is not part of the type-checked program: the input ran unchecked`);
      // Errors in the input only: the session's earlier declarations passed when they were typed.
      const errors = answer.errors.filter((e) => from + e.offset >= inputAt && from + e.offset <= inputAt + compiled.source.length && !UNUSED.has(e.code));
      if (errors.length > 0)
        return { kind: 'rejected', id, module, errors: errors.map((e) => diagnostic(compiled.source, from + e.offset - inputAt, e.code, e.message)) };
    }
    const checkMs = performance.now() - t0;
    const timeout = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let script: vm.Script;
    const number = ++this.#count;
    try {
      script = new vm.Script(compiled.script, { filename: `imago-repl-${number}` });
    } catch (e: unknown) {
      return { kind: 'rejected', id, module, errors: [diagnostic(compiled.source, 0, 'IMAGO_REPL', `the input cannot run: ${(e as Error).message}`)] };
    }
    this.#inputs.set(`imago-repl-${number}`, { number, where: compiled.where, prefixLength: compiled.prefixLength, suffixLine: compiled.suffixLine });
    if (this.#inputs.size > INPUTS_KEPT) this.#inputs.delete(this.#inputs.keys().next().value!);
    // The run: at the next safe point, in the scope as it is then (a change may have applied meanwhile).
    const undo = declare(own, compiled);
    const ran = await this.setup.image.atSafePoint((): Ran => {
      const now = this.#current(scope.file, scope);
      return run(
        script,
        scopeProxy(
          () => this.#current(scope.file, now),
          own,
          (s) => this.#import(scope.file, s),
        ),
        own,
        timeout,
      );
    });
    if ('thrown' in ran) {
      undo();
      return this.#thrown(id, module, ran.thrown);
    }
    let value = ran.value;
    if (compiled.isAsync) {
      const settled = await settle(value as Promise<unknown>, timeout);
      if (settled.kind === 'pending') {
        keep(own, compiled);
        return {
          kind: 'thrown',
          id,
          module,
          timedOut: true,
          text: `the input still awaits after ${timeout} ms; it goes on running, its value will not be shown`,
        };
      }
      if (settled.kind === 'rejected') {
        undo();
        return this.#thrown(id, module, settled.error);
      }
      value = settled.value;
    } else if (value instanceof Promise) {
      // A promise the input made and did not await: never an unhandled rejection of the program's.
      value.catch(() => undefined);
    }
    keep(own, compiled);
    const printed = inspect(value, request.colors === true, timeout);
    if (printed.text === undefined) return this.#thrown(id, module, printed.thrown);
    const resumed = this.setup.afterInput?.();
    if (resumed) notices.push(resumed);
    const text = [...notices.map((n) => `// ${n}`), capped(printed.text)].join('\n');
    return { kind: 'value', id, module, text, checkMs, runMs: ran.runMs };
  }

  /**
   * `import(x)` typed at the REPL: a module of the image gives its live exports (never a second copy of
   * it); a package or builtin loads through Node, resolved from the module's folder.
   */
  async #import(file: string, specifier: string): Promise<unknown> {
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      const target = path.resolve(path.dirname(file), specifier);
      for (const candidate of [target, target.replace(/\.([cm]?)js$/, '.$1ts'), target.replace(/\.jsx$/, '.tsx'), `${target}.ts`]) {
        const view = this.setup.image.exportsOf(candidate);
        if (view) return view;
      }
      throw new Error(`${specifier} is not a module of the running image: the REPL sees the modules the program loaded (import it from the program's code)`);
    }
    return import(specifier.startsWith('node:') ? specifier : resolveImport(specifier, pathToFileURL(file).href));
  }

  #thrown(id: Request['id'], module: string, error: unknown): Reply {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      return {
        kind: 'thrown',
        id,
        module,
        timedOut: true,
        text: `${(error as Error).message}: the input was stopped and the program runs on (.timeout <ms> to allow more)`,
      };
    // What called the input (node:vm, imago) is not the program's: the stack ends at the input.
    const stack = error instanceof Error ? (error.stack ?? String(error)) : null;
    const lines = stack?.split('\n') ?? [];
    const cut = lines.findIndex((l) => / \(node:vm:/.test(l));
    const text = stack === null ? util.inspect(error) : (cut < 0 ? lines : lines.slice(0, cut)).join('\n');
    return { kind: 'thrown', id, module, timedOut: false, text: `Uncaught ${text}` };
  }

  /** Frames of inputs as `REPL<n>:line:column` in what was typed (Node's REPL names them so); the wrapper's are left out. */
  #mapFrame(file: string, line: number, column: number): string | null | false {
    const input = this.#inputs.get(file);
    if (!input) return null;
    if ((line === 1 && column <= input.prefixLength) || line >= input.suffixLine) return false;
    const at = input.where(line, column);
    return `REPL${input.number}:${at.line}:${at.column}`;
  }

  dispose(): void {
    this.#unmap();
  }
}

/** Declares the input's names in the session (before it runs); returns what puts the session back. */
function declare(own: ModuleSession, compiled: Compiled): () => void {
  const before = compiled.declared.map((d) => ({
    name: d.name,
    had: own.values.has(d.name),
    value: own.values.get(d.name),
    constant: own.constants.has(d.name),
  }));
  for (const d of compiled.declared) {
    own.values.set(d.name, own.values.get(d.name));
    own.unset.delete(d.name);
    if (d.constant) {
      own.constants.add(d.name);
      own.unset.add(d.name);
    } else own.constants.delete(d.name);
  }
  // An input that throws (or rejects) declares only its functions (hoisted, whole before anything ran):
  // its other names are as they were.
  const functions = new Set(compiled.functions.map((f) => f.name));
  return () => {
    if (functions.size > 0) own.declarations.push({ text: compiled.functions.map((f) => f.text).join('\n'), names: [...functions] });
    for (const b of before) {
      if (functions.has(b.name)) continue;
      own.unset.delete(b.name);
      if (b.had) own.values.set(b.name, b.value);
      else own.values.delete(b.name);
      if (b.constant) own.constants.add(b.name);
      else own.constants.delete(b.name);
    }
  };
}

/** Keeps an input that declared something (values or types) for the type check of the next ones. */
function keep(own: ModuleSession, compiled: Compiled): void {
  if (compiled.declared.length > 0 || compiled.typesDeclared) own.declarations.push({ text: compiled.source, names: compiled.declared.map((d) => d.name) });
}

/** Runs an input's script with its scope, under the timeout. */
function run(script: vm.Script, scope: object, own: ModuleSession, timeout: number): Ran {
  // The session's side: hoisted function declarations hand themselves to it as the input starts.
  const session = new Proxy(Object.create(null) as object, {
    set: (_, key, value) => {
      if (typeof key === 'string') own.values.set(key, value);
      return true;
    },
  });
  return withSlot([scope, session], () => {
    const t0 = performance.now();
    try {
      const value: unknown = script.runInThisContext({ timeout, displayErrors: false });
      return { value, runMs: performance.now() - t0 };
    } catch (e: unknown) {
      return { thrown: e };
    }
  });
}

/** The global slot the scripts read their arguments from, set for the length of `fn`. */
function withSlot<T>(args: readonly unknown[], fn: () => T): T {
  const slot = Symbol.for(REPL_SLOT);
  const global = globalThis as Record<symbol, unknown>;
  global[slot] = args;
  try {
    return fn();
  } finally {
    delete global[slot];
  }
}

/** Runs util.inspect under the timeout too: a value's own inspect or getters may not end. */
const INSPECT = new vm.Script(`globalThis[Symbol.for(${JSON.stringify(REPL_SLOT)})][0](globalThis[Symbol.for(${JSON.stringify(REPL_SLOT)})][1])`, {
  filename: 'imago-repl-inspect',
});

function inspect(value: unknown, colors: boolean, timeout: number): { text: string; thrown?: undefined } | { text?: undefined; thrown: unknown } {
  const print = (v: unknown): string => util.inspect(v, { colors, depth: 2, maxArrayLength: 100, maxStringLength: 10_000 });
  return withSlot([print, value], () => {
    try {
      return { text: String(INSPECT.runInThisContext({ timeout, displayErrors: false })) };
    } catch (e: unknown) {
      return { thrown: e };
    }
  });
}

function diagnostic(source: string, offset: number, code: string, message: string): Diagnostic {
  const pos = positionAt(lineStarts(source), Math.max(0, offset));
  return { file: 'repl', line: pos.line, column: pos.column, code, message, frame: codeFrame(source, pos.line, pos.column) };
}

type Settled = { kind: 'value'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'pending' };

function settle(promise: Promise<unknown>, ms: number): Promise<Settled> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'pending' }), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'rejected', error });
      },
    );
  });
}
