// What the closure sites of a module (closure-sites.ts) add to its compiled form: a cell per site that
// can be reported (`const __imago_cN = __imago_Z[N]`), each following site's prologue and each made-flag,
// the texts of top-level statements with the bodies of their following closures left out (such a
// statement runs again only when the rest of its text changed), and the late bodies: each following
// site's body as `function (__imago_env, ...params)` with the variables it captures read through
// `__imago_env`. A site's late body is also its fingerprint: two versions of a site have the same body
// when their late bodies read the same (it names every binding as the version resolves it).

import { type AstNode, child, children } from './ast.js';
import { shape } from './closure-places.js';
import { envEdits, findSites, flattenSites, type Site, type SiteContext, siteEdits } from './closure-sites.js';
import type { ClosureSite } from './compiled-module.js';
import { type Edit, Emitter } from './emitter.js';
import { PositionMap } from './position-map.js';
import type { FunctionScopeInfo } from './scope.js';
import type { SourcePosition } from './source-text.js';
import type { TopItem } from './top-level.js';

export interface SitePlan {
  /** The sites of each top-level item, outermost first. */
  readonly byItem: ReadonlyMap<TopItem, readonly Site[]>;
  /** The sites with a cell (all but the transient ones), in cell order. */
  readonly celled: readonly Site[];
  readonly indexOf: ReadonlyMap<Site, number>;
  /** The prologues and made-flags, in the module's own code. */
  readonly edits: readonly Edit[];
  /** Declares a constant per cell, at the top of the module function (and of the late bodies). */
  readonly cellsDecl: string;
}

const follows = (s: Site): boolean => !s.transient && s.why === null;

/** Finds every site of the module and what its own code needs (`baseEdits`: the module's other edits). */
export function planSites(js: string, top: readonly TopItem[], functions: ReadonlyMap<number, FunctionScopeInfo>, baseEdits: readonly Edit[]): SitePlan {
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
  const celled = [...byItem.values()].flatMap((sites) => flattenSites(sites)).filter((s) => !s.transient);
  const indexOf = new Map(celled.map((s, i) => [s, i]));
  const main: SiteContext = {
    cellOf: (s) => cellName(indexOf.get(s)),
    ref: (c) => c.name,
    code: (start, end) => new Emitter(js, [...baseEdits]).copy(start, end).code,
  };
  const edits = celled.flatMap((s) => siteEdits(s, main));
  const cellsDecl = celled.length === 0 ? '' : `const ${celled.map((_, i) => `__imago_c${i} = __imago_Z[${i}]`).join(', ')};\n`;
  return { byItem, celled, indexOf, edits, cellsDecl };
}

const cellName = (index: number | undefined): string | null => (index === undefined ? null : `__imago_c${index}`);

/**
 * The text of a top-level statement with the bodies of its following closures left out. A function it
 * passes straight to a timer stays in: the statement runs again when it changes (its timer is stopped
 * first), as a one-shot timer that has fired could not run a new body otherwise.
 */
export function maskedText(js: string, start: number, end: number, sites: readonly Site[]): string {
  let out = '';
  let at = start;
  const timers = new Set(sites.filter(startsTimer));
  for (const s of flattenSites(sites)
    .filter((x) => follows(x) && !timers.has(x))
    .sort((a, b) => a.node.start - b.node.start)) {
    if (s.node.start < at || s.node.end > end) continue;
    out += `${js.slice(at, s.node.start)}(closure)`;
    at = s.node.end;
  }
  return out + js.slice(at, end);
}

/** The late bodies of a module and, per site with a cell, the text of its own. */
export interface LateBodies {
  readonly code: string;
  readonly positions: PositionMap;
  /** Each site's late body as text (cells renamed alike), by cell index; '' for a site that does not follow. */
  readonly texts: readonly string[];
}

/** What the compiled module says about each site, keys under their owner's key. */
export function siteInfos(
  js: string,
  plan: SitePlan,
  late: LateBodies | null,
  ownerOf: (item: TopItem) => { readonly key: string; readonly name: string; readonly line?: number },
  sourceAt: (jsOffset: number) => SourcePosition,
): ClosureSite[] {
  const out: ClosureSite[] = [];
  for (const [item, sites] of plan.byItem) {
    const owner = ownerOf(item);
    const walk = (s: Site, depth: number): void => {
      const index = plan.indexOf.get(s) ?? null;
      const rest = s.params.some((p) => p.rest);
      const lateText = index === null ? '' : (late?.texts[index] ?? '');
      const { line, column } = sourceAt(s.node.start);
      out.push({
        key: `${owner.key}${s.path}`,
        parent: `${owner.key}${s.parentPath}`,
        ownerKey: owner.key,
        place: s.place,
        rank: s.rank,
        depth,
        index,
        transient: s.transient,
        why: s.why,
        text: lateText !== '' ? lateText : js.slice(s.node.start, s.node.end),
        label: s.label,
        owner: owner.name,
        ...(owner.line !== undefined ? { ownerLine: owner.line } : {}),
        line,
        column,
        captures: s.info.captures.map((c) => c.name),
        // What gives each captured variable its value, functions in it written `fn` (their bodies follow edits on their own).
        declarations: s.info.captures.map((c) => [c.declKind, ...c.declNodes.map((n) => shape(js, n))].join(' ')),
        arity: s.params.length - (rest ? 1 : 0),
        rest,
        arrow: s.arrow,
        generator: s.generator,
        async: s.isAsync,
        usesThis: s.usesThis,
        alwaysMade: s.statementStart === null,
        method: s.method,
        // Statements and initializers own the timers they start: when they run again, those stop.
        timer: depth === 1 && !owner.key.startsWith('f:') && !owner.key.startsWith('c:') && startsTimer(s),
      });
      for (const n of s.nested) walk(n, depth + 1);
    };
    for (const s of sites) walk(s, 1);
  }
  return out;
}

/** A function passed straight to a timer (`setInterval(() => ..., ms)`), or queued to run once. */
const startsTimer = (s: Site): boolean => /^(?:set(?:Timeout|Interval|Immediate)|queueMicrotask|process\.nextTick)\(.*\)\[0\]$/.test(s.place);

/**
 * The late bodies: a function body (MODULE_PARAMS) returning, per site with a cell, its body as
 * `function (__imago_env, ...params)` (null for a site that does not follow). `prologue` declares what
 * the module's code declares first (private names, tracked globals, cells).
 */
export function emitLate(
  js: string,
  baseEdits: readonly Edit[],
  plan: SitePlan,
  prologue: string,
  shorthands: ReadonlySet<number>,
  map: ConstructorParameters<typeof PositionMap>[3],
): LateBodies | null {
  if (!plan.celled.some(follows)) return null;
  const late = new Emitter(js, [...baseEdits]);
  late.insert(`"use strict";\n${prologue}return [\n`);
  const texts: string[] = [];
  for (const site of plan.celled) {
    if (!follows(site)) {
      texts.push('');
      late.insert('null,\n');
      continue;
    }
    const from = late.code.length;
    // Inside the late body, a nested site reads through the env only the variables this site captured.
    const captured = new Set(site.info.captures.map((c) => c.declStart));
    const own = envEdits(js, site, shorthands);
    const context: SiteContext = {
      cellOf: (s) => cellName(plan.indexOf.get(s)),
      ref: (c) => (captured.has(c.declStart) ? `__imago_env.${c.name}` : c.name),
      code: (start, end) => new Emitter(js, [...baseEdits, ...own]).copy(start, end).code,
    };
    const extra = [...own, ...flattenSites(site.nested).flatMap((n) => siteEdits(n, context))];
    late.insert(`${site.isAsync ? 'async ' : ''}function${site.generator ? '*' : ''} (__imago_env`);
    const params = children(site.node, 'params');
    params.forEach((p, i) => {
      const sp = site.params[i]!;
      late.insert(', ');
      if (!sp.pattern) late.copy(p.start, p.end, extra);
      else {
        // The pattern is unpacked in the body, as in the module's own code (closure-sites.ts).
        late.insert(sp.rest ? `...${sp.name}` : sp.name);
        const dflt = p.type === 'AssignmentPattern' ? child(p, 'right') : undefined;
        if (dflt) late.insert(' = ').copy(dflt.start, dflt.end, extra);
      }
    });
    late.insert(') {');
    for (const sp of site.params) if (sp.pattern) late.insert(' let ').copy(sp.pattern.start, sp.pattern.end, extra).insert(` = ${sp.name};`);
    const body = child(site.node, 'body') as AstNode;
    if (body.type === 'BlockStatement') late.copy(body.start + 1, body.end, extra);
    else late.insert(' return (').copy(body.start, body.end, extra).insert('); }');
    texts.push(late.code.slice(from).replace(/__imago_c\d+/g, '__imago_c'));
    late.insert(',\n');
  }
  late.insert('];\n');
  return { code: late.code, positions: new PositionMap(late.code, late.segments, js, map), texts };
}
