// The REPL's evaluation service: an input is compiled (compile/repl-input.ts), type-checked against the
// module it runs in (the module's running source with the session's earlier declarations and the input
// appended, checked by the gate's checker and put back), then run at the image's next safe point in
// the module's scope. Synchronous code runs under node:vm's timeout, which interrupts a runaway input
// (V8 TerminateExecution from a watchdog thread) and leaves the isolate running: the image goes on.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';
import { resolve as resolveImport } from 'import-meta-resolve';
import type { WorkerTypeGate } from '../../check/type-gate.js';
import type { Diagnostic } from '../../compile/diagnostic.js';
import { compileReplInput, REPL_IMPORT, REPL_SLOT, type ReplCompiled } from '../../compile/repl-input.js';
import { codeFrame, lineStarts, positionAt } from '../../compile/source-text.js';
import type { Image } from '../../runtime/image.js';
import type { ModuleScope } from '../../runtime/module-scope.js';
import { installStackMapper } from '../stack-traces.js';
import type { Reply, Request } from './protocol.js';

/** What one connection declared in one module: values, which are const, and the texts that declared them. */
interface ModuleSession {
  readonly values: Map<string, unknown>;
  readonly constants: Set<string>;
  /** Consts declared whose declaration has not assigned them yet. */
  readonly unset: Set<string>;
  readonly declarations: string[];
}

/** One client's REPL session: its declarations, by module file. */
export class ReplSession {
  readonly modules = new Map<string, ModuleSession>();

  of(file: string): ModuleSession {
    let s = this.modules.get(file);
    if (!s) {
      s = { values: new Map(), constants: new Set(), unset: new Set(), declarations: [] };
      this.modules.set(file, s);
    }
    return s;
  }
}

const DEFAULT_TIMEOUT_MS = 5000;
/** The separator between the pieces checked after a module's text (a lone `;` ends any statement). */
const JOIN = '\n;\n';

export interface EvalSetup {
  readonly image: Image;
  readonly entry: string;
  /** The checker, or null when the image runs with --typecheck=off. */
  readonly checker: WorkerTypeGate | null;
}

type EvalRequest = Extract<Request, { kind: 'eval' }>;

/** The text checked for an input: the module's source, the session's declarations, the input. */
function checkedText(scope: ModuleScope, session: ModuleSession, input: string): { text: string; from: number; inputAt: number } {
  const before = `${scope.source}${JOIN}`;
  const priors = session.declarations.length > 0 ? `${session.declarations.join(JOIN)}${JOIN}` : '';
  // `export {}` makes a script a module, where top-level await is allowed; it declares nothing.
  return { text: `${before}${priors}${input}${JOIN}export {};\n`, from: before.length, inputAt: before.length + priors.length };
}

function scopeProxy(scope: ModuleScope, session: ModuleSession, load: (specifier: string) => Promise<unknown>): object {
  return new Proxy(Object.create(null) as object, {
    has: (_, key) => typeof key === 'string' && (key === REPL_IMPORT || session.values.has(key) || scope.names.has(key)),
    get: (_, key) => {
      if (typeof key !== 'string') return undefined;
      if (key === REPL_IMPORT) return load;
      return session.values.has(key) ? session.values.get(key) : scope.get(key);
    },
    set: (_, key, value) => {
      if (typeof key !== 'string') return false;
      if (session.values.has(key)) {
        // A const takes one assignment: its declaration's (which may come after an await).
        if (session.constants.has(key) && !session.unset.delete(key))
          throw new TypeError(`Assignment to constant variable '${key}' (declared with const in this REPL session)`);
        session.values.set(key, value);
      } else scope.set(key, value);
      return true;
    },
  });
}

/** How many inputs' positions are kept for mapping the frames of functions they declared. */
const INPUTS_KEPT = 1000;

export class Evaluator {
  /** Compiled inputs by script filename, for their stack frames. */
  readonly #inputs = new Map<string, { readonly number: number; readonly compiled: Extract<ReplCompiled, { ok: true }> }>();
  #count = 0;
  readonly #unmap: () => void;

  constructor(private readonly setup: EvalSetup) {
    this.#unmap = installStackMapper((file, line, column) => this.#mapFrame(file, line, column));
  }

  /** The scope `module` names now (outside a safe point: for reading its source and names). */
  scope(module: string | undefined): ModuleScope | string {
    const found = this.setup.image.introspection.scope(module ?? this.setup.entry);
    return found.ok ? found.value : found.message;
  }

  async evaluate(request: EvalRequest, session: ReplSession): Promise<Reply> {
    const { id } = request;
    const scope = this.scope(request.module);
    if (typeof scope === 'string') return { kind: 'error', id, code: 'not-found', message: scope };
    const module = scope.rel;
    const own = session.of(scope.file);
    const compiled = compileReplInput('repl', request.code);
    if (!compiled.ok) return { kind: 'rejected', id, module, errors: compiled.errors };
    const clash = compiled.declared.find((d) => scope.names.has(d.name));
    if (clash)
      return {
        kind: 'rejected',
        id,
        module,
        errors: [
          this.#diagnostic(request.code, 0, 'IMAGO_REPL', `'${clash.name}' is a top-level binding of ${module} already: assign it without declaring it again`),
        ],
      };
    const t0 = performance.now();
    let notice = '';
    const checker = request.typecheck === 'off' ? null : this.setup.checker;
    if (checker) {
      const { text, from, inputAt } = checkedText(scope, own, compiled.source);
      const answer = await checker.query({ kind: 'probe', file: scope.file, text, from });
      if (!answer.checked) notice = `${module} is not part of the type-checked program: the input ran unchecked`;
      const errors = answer.errors.filter((e) => from + e.offset < inputAt + compiled.source.length + 2);
      if (errors.length > 0) {
        const diagnostics = errors.map((e) => {
          const at = from + e.offset - inputAt;
          if (at >= 0) return this.#diagnostic(compiled.source, at, e.code, e.message);
          return this.#diagnostic(compiled.source, 0, e.code, `${e.message} (in a declaration made earlier in this session: .clear forgets them)`);
        });
        return { kind: 'rejected', id, module, errors: diagnostics };
      }
    }
    const checkMs = performance.now() - t0;
    const timeout = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The run: at the next safe point, in the scope as it is then (a change may have applied meanwhile).
    const ran = await this.setup.image.atSafePoint((image) => {
      const now = image.scope(scope.file);
      if (!now.ok) return { thrown: new Error(now.message), value: undefined, runMs: 0 };
      return this.#run(compiled, now.value, own, timeout);
    });
    const inspect = (v: unknown): string => util.inspect(v, { colors: request.colors === true, depth: 2, maxArrayLength: 100, maxStringLength: 10_000 });
    if ('thrown' in ran) return this.#thrown(id, module, ran.thrown);
    let value = ran.value;
    if (compiled.isAsync) {
      const settled = await settle(value as Promise<unknown>, timeout);
      if (settled.kind === 'pending')
        return {
          kind: 'thrown',
          id,
          module,
          timedOut: true,
          text: `the input still awaits after ${timeout} ms; it goes on running, its value will not be shown`,
        };
      if (settled.kind === 'rejected') return this.#thrown(id, module, settled.error);
      value = settled.value;
    } else if (value instanceof Promise) {
      // A promise the input made and did not await: never an unhandled rejection of the program's.
      value.catch(() => undefined);
    }
    return { kind: 'value', id, module, text: `${notice ? `// ${notice}\n` : ''}${inspect(value)}`, checkMs, runMs: ran.runMs };
  }

  /** Runs the compiled input in `scope` (at a safe point); declarations join the session. */
  #run(
    compiled: Extract<ReplCompiled, { ok: true }>,
    scope: ModuleScope,
    own: ModuleSession,
    timeout: number,
  ): { value: unknown; runMs: number } | { thrown: unknown } {
    for (const d of compiled.declared) {
      if (own.values.has(d.name) && own.constants.has(d.name))
        return { thrown: new SyntaxError(`Identifier '${d.name}' has already been declared (with const, in this REPL session)`) };
    }
    for (const d of compiled.declared) {
      own.values.set(d.name, own.values.get(d.name));
      if (d.constant) {
        own.constants.add(d.name);
        own.unset.add(d.name);
      } else own.constants.delete(d.name);
    }
    const slot = Symbol.for(REPL_SLOT);
    const global = globalThis as Record<symbol, unknown>;
    const t0 = performance.now();
    try {
      const number = ++this.#count;
      const filename = `imago-repl-${number}`;
      this.#inputs.set(filename, { number, compiled });
      if (this.#inputs.size > INPUTS_KEPT) this.#inputs.delete(this.#inputs.keys().next().value!);
      const script = new vm.Script(compiled.script, { filename });
      // The session's side: hoisted function declarations hand themselves to it as the input starts.
      const session = new Proxy(Object.create(null) as object, {
        set: (_, key, value) => {
          if (typeof key === 'string') own.values.set(key, value);
          return true;
        },
      });
      global[slot] = [scopeProxy(scope, own, (specifier) => this.#import(scope, specifier)), session];
      const value = script.runInThisContext({ timeout, displayErrors: false });
      return { value, runMs: performance.now() - t0 };
    } catch (e: unknown) {
      return { thrown: e };
    } finally {
      delete global[slot];
      if (compiled.declared.length > 0) own.declarations.push(compiled.source);
    }
  }

  /**
   * `import(x)` typed at the REPL: a module of the image gives its live exports (never a second copy of
   * it); a package or builtin loads through Node, resolved from the module's folder.
   */
  async #import(scope: ModuleScope, specifier: string): Promise<unknown> {
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      const target = path.resolve(path.dirname(scope.file), specifier);
      for (const candidate of [target, target.replace(/\.([cm]?)js$/, '.$1ts'), target.replace(/\.jsx$/, '.tsx'), `${target}.ts`]) {
        const view = this.setup.image.exportsOf(candidate);
        if (view) return view;
      }
      throw new Error(`${specifier} is not a module of the running image: the REPL sees the modules the program loaded (import it from the program's code)`);
    }
    return import(specifier.startsWith('node:') ? specifier : resolveImport(specifier, pathToFileURL(scope.file).href));
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
    if ((line === 1 && column <= input.compiled.prefixLength) || line >= input.compiled.suffixLine) return false;
    const at = input.compiled.where(line, column);
    return `REPL${input.number}:${at.line}:${at.column}`;
  }

  dispose(): void {
    this.#unmap();
  }

  #diagnostic(source: string, offset: number, code: string, message: string): Diagnostic {
    const pos = positionAt(lineStarts(source), offset);
    return { file: 'repl', line: pos.line, column: pos.column, code, message, frame: codeFrame(source, pos.line, pos.column) };
  }
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
