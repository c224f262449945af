// Closures made by old code run the new code (compile/closure-sites.ts). Each following site of a module
// version has a cell; its closures check `cell.r` on every call and, once a change has set it, call the
// body of their counterpart in the newer version with their own captured variables. A cell is shared by
// the versions in which the site's body did not change, so cells grow with edits to a site's body, not
// with versions or closures; the module keeps them by weak reference (a cell lives as long as closures
// of its version do). Nothing is registered per closure made.

import type { ClosureSite, CompiledModule } from '../compile/compiled-module.js';
import type { ModuleRecord } from './module-record.js';

/** The late body of a site: `this`, the captured variables (null when it captures none), the arguments. */
export type LateBody = (this: unknown, env: object | null, ...args: unknown[]) => unknown;

/** Reads (even `i`) or writes (odd `i`) captured variable `i >> 1` of one closure. */
export type EnvAccess = (i: number, v?: unknown) => unknown;

/**
 * The class of the envs a site's closures pass to a newer body: one accessor per captured variable,
 * on the prototype, calling the closure's access function. Made once per cell, so a newer body reads
 * `env.count` through a monomorphic accessor, and a call on the slow path allocates one small object
 * and one function (measured: ~6 ns a call, against ~600 ns for an object literal of accessors).
 */
export type EnvClass = new (access: EnvAccess) => object;

function envClass(captures: readonly string[]): EnvClass {
  class Env {
    constructor(readonly __imago_a: EnvAccess) {}
  }
  captures.forEach((name, j) => {
    Object.defineProperty(Env.prototype, name, {
      get(this: Env): unknown {
        return this.__imago_a(2 * j);
      },
      set(this: Env, v: unknown): void {
        this.__imago_a(2 * j + 1, v);
      },
      configurable: true,
    });
  });
  return Env;
}

/** One site's cell, shared by the versions whose body for it is the same. */
export class ClosureCell {
  /** The newer body its closures run, once a change gave one. */
  r: LateBody | null = null;
  /** Set once a closure of it was made (its made-flag, or always for methods and fields). */
  m: number;
  /** The class of the envs its closures pass to a newer body. */
  readonly E: EnvClass;

  constructor(
    /** The site as compiled when the cell was made. */
    readonly site: ClosureSite,
  ) {
    this.m = site.alwaysMade ? 1 : 0;
    this.E = envClass(site.captures);
  }
}

/** What a module keeps of one site key across versions. */
export interface SiteEntry {
  /** The body text of the newest version. */
  text: string;
  /** The cell of the newest version (null when that version's body does not follow edits). */
  latest: ClosureCell | null;
  /** Every cell of the site still alive. */
  readonly cells: Array<WeakRef<ClosureCell>>;
  /** The newest version has no such site (said once). */
  gone: boolean;
}

/** The cells a new version of `record` is instantiated with: reused where a site's body is unchanged. */
export function cellsFor(record: ModuleRecord, compiled: CompiledModule): ClosureCell[] {
  const cells: ClosureCell[] = [];
  for (const site of compiled.sites) {
    if (site.index === null) continue;
    const entry = record.closures.get(site.key);
    // The same text can capture other variables (a name that was a local is now the module's): a cell's
    // env class is made for its captures, so only a site with the same captures shares it.
    const same = entry?.latest && entry.text === site.text && sameList(entry.latest.site.captures, site.captures) ? entry.latest : null;
    cells[site.index] = same ?? new ClosureCell(site);
  }
  return cells;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A closure site whose closures made before a change keep their body, and why. */
export interface KeptSite {
  readonly site: ClosureSite;
  readonly reason: string;
  /** Where the site is in the source (1-based). */
  readonly line: number;
  readonly column: number;
}

/** What a change does to the closures made by older versions of one module. */
export interface ClosurePlan {
  /** Older cells to point at a new body, with the new site (its late body index). */
  readonly redirects: ReadonlyArray<{ readonly cell: ClosureCell; readonly site: ClosureSite }>;
  /** Sites whose closures keep their body (only those of which a closure was made). */
  readonly kept: readonly KeptSite[];
}

/** Why a closure made at `old` cannot run the body of `next`, or null when it can. */
function cannotFollow(old: ClosureSite, next: ClosureSite): string | null {
  if (next.why !== null) return next.why;
  const missing = next.captures.find((c) => !old.captures.includes(c));
  if (missing !== undefined) return `it reads '${missing}', which the closures made before do not have`;
  if (next.rest && !old.rest) return 'it takes a rest parameter';
  if (next.arity > old.arity && !old.rest) return `it takes ${next.arity} parameters, where closures made before pass on ${old.arity}`;
  return null;
}

/** Plans what committing `compiled` (with `cells`) does to the closures of older versions. Changes nothing. */
export function planClosures(record: ModuleRecord, compiled: CompiledModule, cells: readonly ClosureCell[]): ClosurePlan {
  const at = (module: CompiledModule | undefined, site: ClosureSite): { line: number; column: number } =>
    module ? module.positions.sourceOfJs(site.jsOffset) : { line: 1, column: 1 };
  const redirects: Array<{ cell: ClosureCell; site: ClosureSite }> = [];
  const kept: KeptSite[] = [];
  const seen = new Set<string>();
  for (const site of compiled.sites) {
    seen.add(site.key);
    const entry = record.closures.get(site.key);
    if (!entry || entry.text === site.text) continue;
    const fresh = site.index === null ? null : cells[site.index];
    let keptWhy: string | null = null;
    for (const ref of entry.cells) {
      const cell = ref.deref();
      if (!cell || cell === fresh) continue;
      const why = cannotFollow(cell.site, site);
      if (why === null) redirects.push({ cell, site });
      else if (cell.m === 1 && !cell.site.method) keptWhy ??= why;
    }
    if (keptWhy !== null) kept.push({ site, reason: keptWhy, ...at(compiled, site) });
  }
  // Sites the new version no longer has: closures made by them keep their body.
  for (const [key, entry] of record.closures) {
    if (seen.has(key) || entry.gone) continue;
    const made = entry.cells.map((r) => r.deref()).find((c) => c && c.m === 1 && !c.site.method);
    if (made) kept.push({ site: made.site, reason: 'the new version has no counterpart for it', ...at(record.version?.compiled, made.site) });
  }
  return { redirects, kept };
}

/** Makes the plan so (cannot throw): older cells run the new bodies; the module remembers the new cells. */
export function applyClosures(
  record: ModuleRecord,
  compiled: CompiledModule,
  cells: readonly ClosureCell[],
  plan: ClosurePlan,
  late: readonly LateBody[],
): void {
  for (const { cell, site } of plan.redirects) cell.r = late[site.index!]!;
  const keys = new Set(compiled.sites.map((s) => s.key));
  for (const [key, entry] of record.closures) if (!keys.has(key)) entry.gone = true;
  for (const site of compiled.sites) {
    const cell = site.index === null ? null : cells[site.index]!;
    const entry = record.closures.get(site.key);
    if (!entry) {
      record.closures.set(site.key, { text: site.text, latest: cell, cells: cell ? [new WeakRef(cell)] : [], gone: false });
      continue;
    }
    entry.gone = false;
    if (entry.text === site.text && entry.latest === cell) continue;
    entry.text = site.text;
    entry.latest = cell;
    for (let i = entry.cells.length - 1; i >= 0; i--) if (!entry.cells[i]!.deref()) entry.cells.splice(i, 1);
    if (cell && !entry.cells.some((r) => r.deref() === cell)) entry.cells.push(new WeakRef(cell));
  }
}
