// What the closure sites of a module (closure-sites.ts) add to its compiled form: a cell per following
// site (`const __imago_cN = __imago_Z[N]`), each site's prologue, the texts of top-level statements with
// the bodies of their following closures left out (such a statement runs again only when the rest of its
// text changed), and the late bodies: each following site's body as `function (__imago_env, ...params)`
// with the variables it captures read through `__imago_env`.

import { type AstNode, child, children } from './ast.js';
import { envEdits, findSites, flattenSites, type Site, type SiteContext, siteEdits } from './closure-sites.js';
import type { ClosureSite } from './compiled-module.js';
import { type Edit, Emitter } from './emitter.js';
import { PositionMap } from './position-map.js';
import type { FunctionScopeInfo } from './scope.js';
import type { TopItem } from './top-level.js';

export interface SitePlan {
  /** The sites of each top-level item, outermost first. */
  readonly byItem: ReadonlyMap<TopItem, readonly Site[]>;
  /** The sites that follow edits, in cell order. */
  readonly following: readonly Site[];
  readonly indexOf: ReadonlyMap<Site, number>;
  /** The prologues and made-flags, in the module's own code. */
  readonly edits: readonly Edit[];
  /** Declares a constant per cell, at the top of the module function (and of the late bodies). */
  readonly cellsDecl: string;
}

/** Finds every site of the module and what its own code needs. */
export function planSites(js: string, top: readonly TopItem[], functions: ReadonlyMap<number, FunctionScopeInfo>): SitePlan {
  const topLevelClasses = new Set(top.flatMap((t) => (t.kind === 'class' ? [t.node.start] : [])));
  const byItem = new Map<TopItem, Site[]>();
  for (const item of top) {
    const root = item.kind === 'binding' ? item.value : item.node;
    if (!root) continue;
    byItem.set(
      item,
      findSites(js, root, functions, { skipRoot: item.kind === 'function', rootStatement: item.kind === 'effect' ? item.node.start : null, topLevelClasses }),
    );
  }
  const following = [...byItem.values()].flatMap((sites) => flattenSites(sites)).filter((s) => s.why === null);
  const indexOf = new Map(following.map((s, i) => [s, i]));
  const main: SiteContext = { cellOf: (s) => cellName(indexOf.get(s)), ref: (name) => name };
  const edits = following.flatMap((s) => siteEdits(s, main));
  const cellsDecl = following.length === 0 ? '' : `const ${following.map((_, i) => `__imago_c${i} = __imago_Z[${i}]`).join(', ')};\n`;
  return { byItem, following, indexOf, edits, cellsDecl };
}

const cellName = (index: number | undefined): string | null => (index === undefined ? null : `__imago_c${index}`);

/** The text of a top-level statement with the bodies of its following closures left out. */
export function maskedText(js: string, start: number, end: number, sites: readonly Site[]): string {
  let out = '';
  let at = start;
  for (const s of [...sites].filter((x) => x.why === null).sort((a, b) => a.node.start - b.node.start)) {
    if (s.node.start < at || s.node.end > end) continue;
    out += `${js.slice(at, s.node.start)}(closure)`;
    at = s.node.end;
  }
  return out + js.slice(at, end);
}

/** What the compiled module says about each site, keys under their owner's key. */
export function siteInfos(js: string, plan: SitePlan, ownerOf: (item: TopItem) => { readonly key: string; readonly name: string }): ClosureSite[] {
  const out: ClosureSite[] = [];
  for (const [item, sites] of plan.byItem) {
    const owner = ownerOf(item);
    for (const s of flattenSites(sites)) {
      const rest = s.params.some((p) => p.rest);
      out.push({
        key: `${owner.key}${s.path}`,
        index: plan.indexOf.get(s) ?? null,
        why: s.why,
        text: js.slice(s.node.start, s.node.end),
        label: s.label,
        owner: owner.name,
        jsOffset: s.node.start,
        captures: s.info.captures.map((c) => c.name),
        arity: s.params.length - (rest ? 1 : 0),
        rest,
        alwaysMade: s.statementStart === null,
        method: s.method,
      });
    }
  }
  return out;
}

/**
 * The late bodies: a function body (MODULE_PARAMS) returning, per following site, its body as
 * `function (__imago_env, ...params)`. `prologue` declares what the module's code declares first
 * (private names, tracked globals, cells).
 */
export function emitLate(
  js: string,
  baseEdits: readonly Edit[],
  plan: SitePlan,
  prologue: string,
  shorthands: ReadonlySet<number>,
  map: ConstructorParameters<typeof PositionMap>[3],
): { code: string; positions: PositionMap } | null {
  if (plan.following.length === 0) return null;
  const late = new Emitter(js, [...baseEdits]);
  late.insert(`"use strict";\n${prologue}return [\n`);
  for (const site of plan.following) {
    const captured = new Set(site.info.captures.map((c) => c.name));
    const context: SiteContext = {
      cellOf: (s) => cellName(plan.indexOf.get(s)),
      ref: (name) => (captured.has(name) ? `__imago_env.${name}` : name),
    };
    const extra = [...envEdits(site, shorthands), ...flattenSites(site.nested).flatMap((n) => siteEdits(n, context))];
    late.insert(`${site.isAsync ? 'async ' : ''}function (__imago_env`);
    for (const p of children(site.node, 'params')) late.insert(', ').copy(p.start, p.end, extra);
    late.insert(') ');
    const body = child(site.node, 'body') as AstNode;
    if (body.type === 'BlockStatement') late.copy(body.start, body.end, extra);
    else late.insert('{ return (').copy(body.start, body.end, extra).insert('); }');
    late.insert(',\n');
  }
  late.insert('];\n');
  return { code: late.code, positions: new PositionMap(late.code, late.segments, js, map) };
}
