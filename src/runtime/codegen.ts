// Small generated functions: trampolines (stable identities for escaping function references) and the
// accessors of export views and links. Each is its own function literal, so each gets its own feedback vector: accessors made
// by one shared closure would share feedback and go megamorphic.

import { IDENT, member } from '../compile/emit-names.js';
import type { CompiledFunction } from './host.js';

const key = (name: string): string => JSON.stringify(name);
/** True when `name` can name a function expression. */
export function trampolineNameOk(name: string): boolean {
  return IDENT.test(name) && name !== 'default';
}

const fnName = (name: string): string => (trampolineNameOk(name) ? name : '');

/**
 * Source of a function returning `{ name: trampoline }` for `names`. A trampoline forwards calls and
 * `new` to the current layer: `function f(...a) { return M.f.apply(this, a) }` measured 1.00x of a direct
 * call after 10 swaps (fact 2).
 */
export function trampolineSource(names: readonly string[]): string {
  const entries = names.map((n) => {
    const target = member('__imago_M', n);
    return `${key(n)}: function ${fnName(n)}(...args) { return new.target === undefined ? ${target}.apply(this, args) : Reflect.construct(${target}, args, new.target); }`;
  });
  return `"use strict";\nreturn {\n${entries.join(',\n')}\n};`;
}

/** How one export name is read. */
export type ViewAccess =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'state'; readonly local: string }
  | { readonly kind: 'forward'; readonly dep: number; readonly name: string }
  | { readonly kind: 'namespace'; readonly dep: number };

/**
 * Source of a function `(S, ...deps) => descriptors` for the accessors of a module's view or links.
 * Values (function trampolines) are plain data properties and need no code.
 */
export function viewAccessorSource(entries: ReadonlyArray<readonly [string, ViewAccess]>): string {
  const getters: string[] = [];
  for (const [name, access] of entries) {
    let body: string;
    switch (access.kind) {
      case 'value':
        continue;
      case 'state':
        body = member('__imago_S', access.local);
        break;
      case 'forward':
        body = member(`__imago_d${access.dep}`, access.name);
        break;
      case 'namespace':
        body = `__imago_d${access.dep}`;
        break;
    }
    getters.push(`get ${key(name)}() { return ${body}; }`);
  }
  return `"use strict";\nreturn Object.getOwnPropertyDescriptors({\n${getters.join(',\n')}\n});`;
}

/** Calls a generated function and checks it returned an object. */
export function callGenerated(fn: CompiledFunction, args: unknown[]): Record<string, unknown> {
  const out = fn(...args);
  if (typeof out !== 'object' || out === null) throw new Error('imago: generated code returned no object');
  return out as Record<string, unknown>;
}
