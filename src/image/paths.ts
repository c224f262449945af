// Saying where a value that cannot be saved is, and what it is: `players[3].socket is a Socket`.

import { isRef, isSparse } from './values.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A short description of a value that cannot be saved: `a Socket`, `a function (a closure)`. */
export function describeValue(v: unknown): string {
  if (typeof v === 'symbol') return `a symbol (${String(v.description)}; only Symbol.for() symbols can be saved)`;
  if (typeof v === 'function') return `a function (${v.name.trim() || 'anonymous'}: a closure or method, not a top-level function of the program)`;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  const name = proto?.constructor?.name;
  return name ? `a${/^[AEIO]/.test(name) ? 'n' : ''} ${name}` : 'an object with an unknown prototype';
}

/** The path from `root` to `target` (`.players[3].socket`), for a report; '' when `target` is the root. */
export function pathTo(root: unknown, target: unknown): string {
  if (root === target) return '';
  const parent = new Map<unknown, { from: unknown; step: string }>();
  const queue: unknown[] = [root];
  const seen = new Set<unknown>([root]);
  const step = (from: unknown, to: unknown, label: string): boolean => {
    if (seen.has(to)) return false;
    seen.add(to);
    parent.set(to, { from, step: label });
    if (to === target) return true;
    if (isRef(to)) queue.push(to);
    return false;
  };
  const key = (k: string | symbol): string =>
    typeof k === 'symbol' ? (k.description?.startsWith('#') ? `.${k.description}` : `[${String(k)}]`) : IDENTIFIER.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  for (let i = 0; i < queue.length; i++) {
    const o = queue[i] as object;
    if (typeof o === 'function') continue;
    let found = false;
    if (o instanceof Map) {
      let n = 0;
      for (const [k, v] of o) {
        found ||= step(o, k, `.keys()[${n}]`) || step(o, v, `.get(${typeof k === 'string' ? JSON.stringify(k) : isRef(k) ? '<object>' : String(k)})`);
        n++;
      }
    } else if (o instanceof Set) {
      let n = 0;
      for (const v of o) found ||= step(o, v, `.values()[${n++}]`);
    } else if (Array.isArray(o)) {
      if (isSparse(o)) for (const k of Object.keys(o)) found ||= step(o, o[k as unknown as number], `[${k}]`);
      else for (let j = 0; j < o.length && !found; j++) found = step(o, o[j], `[${j}]`);
    } else {
      for (const k of Reflect.ownKeys(o)) {
        const d = Object.getOwnPropertyDescriptor(o, k);
        found = d !== undefined && 'value' in d && step(o, d.value, key(k));
        if (found) break;
      }
      if (ArrayBuffer.isView(o) && !found) found = step(o, o.buffer, '.buffer');
    }
    if (found) break;
  }
  const steps: string[] = [];
  for (let at: unknown = target; at !== root; ) {
    const p = parent.get(at);
    if (!p) return ' (somewhere inside)';
    steps.unshift(p.step);
    at = p.from;
  }
  return steps.join('');
}
