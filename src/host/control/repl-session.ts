// What a REPL client keeps in the image: per module, the values it declared (`let x = 1` at the REPL),
// which of them are const, and the texts that declared them (later inputs are type-checked with them).
// An input runs under a `with` over a Proxy of the module's scope and the session: the session's
// names first, then the module's as the running version has them at the moment each is read.

import { REPL_IMPORT } from '../../compile/repl-input.js';
import type { ModuleScope } from '../../runtime/module-scope.js';

/** A REPL input kept for the type check of the next ones, with the names it declared. */
export interface Declaration {
  readonly text: string;
  readonly names: readonly string[];
}

/** What one connection declared in one module. */
export interface ModuleSession {
  readonly values: Map<string, unknown>;
  readonly constants: Set<string>;
  /** Consts declared whose declaration has not assigned them yet. */
  readonly unset: Set<string>;
  declarations: Declaration[];
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

/** What the input is checked in: a function, so earlier inputs' flow (a `let` narrowed by its initializer) does not reach it. */
const OPEN = 'async function __imago_repl_input() {\n';

/**
 * The text checked for an input: the module's source, then each earlier input that declared something,
 * each in a block inside the one before (a later declaration of a name shadows an earlier one, as it
 * replaced it in the session), then the input. `export {}` makes a script a module; it declares nothing.
 */
export function checkedText(scope: ModuleScope, session: ModuleSession, input: string): { text: string; from: number; inputAt: number } {
  const before = `${scope.source}\n;\n`;
  const priors = session.declarations.map((d) => `{\n${d.text}\n;\n`).join('');
  const close = '}'.repeat(session.declarations.length);
  return { text: `${before}${priors}${OPEN}${input}\n}\n${close}\nexport {};\n`, from: before.length, inputAt: before.length + priors.length + OPEN.length };
}

/**
 * Names the module declares now that the session declared too (the module gained them by an edit): the
 * module's win, and the session's declarations of them are forgotten. Returns the names dropped.
 */
export function dropClashes(scope: ModuleScope, session: ModuleSession): string[] {
  const clashing = new Set([...session.values.keys()].filter((n) => scope.names.has(n)));
  if (clashing.size === 0) return [];
  // An input that declared a clashing name is forgotten whole, with every name it declared: what the
  // type check of later inputs sees and what they run with stay the same.
  const dropped = new Set(clashing);
  const kept: Declaration[] = [];
  for (const d of session.declarations) {
    if (d.names.some((n) => clashing.has(n))) for (const n of d.names) dropped.add(n);
    else kept.push(d);
  }
  session.declarations = kept;
  // A name an input still kept declares too (declared again later) keeps its value.
  for (const d of kept) for (const n of d.names) if (!clashing.has(n)) dropped.delete(n);
  for (const n of dropped) {
    session.values.delete(n);
    session.constants.delete(n);
    session.unset.delete(n);
  }
  return [...dropped];
}

/** The `with` scope of an input: the session's names, then the module's (`current()` is its scope as it is now). */
export function scopeProxy(current: () => ModuleScope, session: ModuleSession, load: (specifier: string) => Promise<unknown>): object {
  return new Proxy(Object.create(null) as object, {
    has: (_, key) => typeof key === 'string' && (key === REPL_IMPORT || session.values.has(key) || current().names.has(key)),
    get: (_, key) => {
      if (typeof key !== 'string') return undefined;
      if (key === REPL_IMPORT) return load;
      return session.values.has(key) ? session.values.get(key) : current().get(key);
    },
    set: (_, key, value) => {
      if (typeof key !== 'string') return false;
      if (session.values.has(key)) {
        // A const takes one assignment: its declaration's (which may come after an await).
        if (session.constants.has(key) && !session.unset.delete(key))
          throw new TypeError(`Assignment to constant variable '${key}' (declared with const in this REPL session)`);
        session.values.set(key, value);
      } else current().set(key, value);
      return true;
    },
  });
}
