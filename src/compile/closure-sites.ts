// Closure sites: the functions a module creates below its top level (arrows, function expressions,
// nested declarations, object methods, methods of classes declared in functions). A closure made by an
// old version runs the body of its counterpart in the current version, with its own captured variables:
// each site has a cell per version, and a prologue that, once a change has given the cell a newer body,
// calls that body with the closure's arguments and an env over its captured variables.
//
// A site is named by its owner (the top-level function, class member, binding or statement), then for
// each level of nesting by its place (closure-places.ts) and its rank among sites of that place in the
// same enclosing function. The runtime matches old sites to new ones by these names
// (runtime/closure-match.ts).
//
// Transient sites (no cell, never reported): functions that cannot outlive the call they are made in
// (the first argument of an array method, `Array.from`'s second, an IIFE, a Promise executor) and class
// constructors (the class's stable constructor runs the current one). Sites that cannot follow an edit
// (reading `arguments`, `super` or `new.target`, accessors, naming a class declared in a function) have
// a cell for their made-flag only: a change to them is reported, not applied.

import { type AstNode, child, children, isFunctionNode, nameOf, text } from './ast.js';
import { expressionBody, placeOf } from './closure-places.js';
import type { Edit } from './emitter.js';
import type { Capture, FunctionScopeInfo } from './scope.js';

/** Array methods (and Promise, IIFEs) that call a function argument before they return and keep no reference to it. */
const CALLS_AND_DROPS: ReadonlySet<string> = new Set([
  'map',
  'forEach',
  'filter',
  'reduce',
  'reduceRight',
  'some',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flatMap',
  'sort',
  'toSorted',
]);

/** A parameter as a closure passes it on to a newer body. */
export interface SiteParam {
  /** Its own name, or `__imago_argN` for a parameter that destructures (the body unpacks it). */
  readonly name: string;
  readonly rest: boolean;
  /** The destructuring pattern, or null for a plain name. */
  readonly pattern: AstNode | null;
}

/** One function below the top level. */
export interface Site {
  readonly node: AstNode;
  /** The path of the function it is in, relative to its owner ('' at the owner's level). */
  readonly parentPath: string;
  /** Its place (closure-places.ts) and its rank among sites of that place in the same function. */
  readonly place: string;
  readonly rank: number;
  /** `${parentPath}/${place}#${rank}`; the owner's key is put in front. */
  readonly path: string;
  /** How messages name it: `the function passed to setInterval()`. */
  readonly label: string;
  /** It cannot outlive the call it is made in, or is a class constructor: no cell, never reported. */
  readonly transient: boolean;
  /** Follows edits (has a prologue); else why not. */
  readonly why: string | null;
  readonly info: FunctionScopeInfo;
  readonly params: readonly SiteParam[];
  readonly isAsync: boolean;
  readonly generator: boolean;
  readonly arrow: boolean;
  /** Reads `this` (its own, or through arrows inside it). */
  readonly usesThis: boolean;
  /** A method or field of a top-level class: the class updates its instances, so it is not reported. */
  readonly method: boolean;
  /** The innermost statement in a block around it, where its made-flag goes (null: counts as made). */
  readonly statementStart: number | null;
  /** Sites nested in this one. */
  readonly nested: Site[];
  /** An arrow's expression body with the parentheses and comments after `=>`, where its prologue wraps it. */
  readonly expressionBody: { readonly start: number; readonly end: number } | null;
}

/** Whether a function node cannot outlive the call expression it appears in. */
function callsAndDrops(node: AstNode, parent: AstNode | null): boolean {
  if (!parent) return false;
  if (parent.type === 'CallExpression' && child(parent, 'callee') === node) return true;
  if (parent.type !== 'CallExpression' && parent.type !== 'NewExpression') return false;
  const args = children(parent, 'arguments');
  const callee = child(parent, 'callee');
  if (parent.type === 'NewExpression') return callee?.type === 'Identifier' && nameOf(callee) === 'Promise' && args[0] === node;
  if (callee?.type !== 'MemberExpression' || callee['computed'] === true) return false;
  const name = nameOf(child(callee, 'property'));
  if (name === 'from' && nameOf(child(callee, 'object')) === 'Array') return args[1] === node;
  return args[0] === node && name !== undefined && CALLS_AND_DROPS.has(name);
}

/** The child nodes of `node` under `key`. */
function kidsOf(node: AstNode, key: string): AstNode[] {
  const v = node[key];
  return (Array.isArray(v) ? v : [v]).filter((x): x is AstNode => typeof x === 'object' && x !== null && 'type' in x);
}

/** Just inside a block's `{`: where a made-flag for what the block makes on entry goes. */
const bodyStart = (block: AstNode): number => block.start + 1;

/** Calls `look` on every node of a function's own code (not inside nested non-arrow functions or class bodies). */
function ownCode(node: AstNode, look: (n: AstNode) => void): void {
  const visit = (n: AstNode, top: boolean): void => {
    if (!top && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ClassBody')) return;
    look(n);
    for (const key of Object.keys(n)) if (key !== 'range') for (const k of kidsOf(n, key)) visit(k, false);
  };
  visit(node, true);
}

/** Why a change to this function's body cannot reach closures made before it (null: it can). */
function whyNot(node: AstNode, info: FunctionScopeInfo, params: readonly SiteParam[]): string | null {
  const nodes = children(node, 'params');
  if (info.usesArguments) return 'it reads `arguments`';
  let lexical: string | null = null;
  ownCode(node, (n) => {
    if (n.type === 'Super') lexical ??= 'it uses `super`';
    else if (n.type === 'MetaProperty' && nameOf(child(n, 'meta')) === 'new') lexical ??= 'it reads `new.target`';
  });
  if (lexical) return lexical;
  const patterns = params.flatMap((p) => (p.pattern ? [p.pattern] : []));
  if (patterns.length === 0) return null;
  // A destructuring parameter is unpacked at the top of the body (siteEdits): only where that means
  // the same as unpacking it in the parameter list.
  if (info.paramsRedeclared) return 'its body declares again a name its parameters destructure';
  if (node['generator'] === true) return 'it is a generator that destructures its parameters';
  const first = params.findIndex((p) => p.pattern !== null);
  if (nodes.slice(first + 1).some((p) => p.type === 'AssignmentPattern' || p.type === 'ObjectPattern' || p.type === 'ArrayPattern')) {
    return 'a parameter after one it destructures has a default value';
  }
  const names = new Set<string>();
  const collect = (n: AstNode): void => {
    if (n.type === 'Identifier') names.add(text(n, 'name') ?? '');
    for (const key of Object.keys(n)) if (key !== 'range') for (const k of kidsOf(n, key)) collect(k);
  };
  for (const p of patterns) collect(p);
  const shadowed = info.bodyNames.find((n) => names.has(n));
  if (shadowed !== undefined) return `its parameters' defaults read '${shadowed}', which its body declares too`;
  const makesCode = (n: AstNode): boolean =>
    isFunctionNode(n) || n.type === 'ClassBody' || Object.keys(n).some((k) => k !== 'range' && kidsOf(n, k).some(makesCode));
  if (patterns.some(makesCode)) return 'a function is made in its parameter list';
  return null;
}

function usesThis(node: AstNode): boolean {
  let found = false;
  ownCode(node, (n) => {
    if (n.type === 'ThisExpression') found = true;
  });
  return found;
}

function siteParams(params: readonly AstNode[]): SiteParam[] {
  return params.map((p, i) => {
    const rest = p.type === 'RestElement';
    const inner = rest ? child(p, 'argument') : p.type === 'AssignmentPattern' ? child(p, 'left') : p;
    if (inner?.type === 'Identifier') return { name: text(inner, 'name') ?? '', rest, pattern: null };
    return { name: `__imago_arg${i}`, rest, pattern: inner ?? p };
  });
}

const NO_INFO: FunctionScopeInfo = { captures: [], captureRefs: [], usesArguments: false, classNames: [], paramsRedeclared: false, bodyNames: [] };

/**
 * Finds the sites below `root` (a top-level function, class, binding value or statement), with paths
 * relative to it. `functions` is the scope analysis by function start.
 */
export function findSites(
  js: string,
  root: AstNode,
  functions: ReadonlyMap<number, FunctionScopeInfo>,
  options: { readonly skipRoot: boolean; readonly rootStatement: number | null; readonly topLevelClasses: ReadonlySet<number> },
): Site[] {
  const out: Site[] = [];
  const ancestors: AstNode[] = [];
  const visit = (node: AstNode, statement: number | null, into: Site[], counters: Map<string, number>, prefix: string): void => {
    const parent = ancestors.at(-1) ?? null;
    if (isFunctionNode(node) && !(options.skipRoot && node === root)) {
      const info = functions.get(node.start) ?? NO_INFO;
      const place = placeOf(js, node, ancestors);
      const rank = (counters.get(place.key) ?? 0) + 1;
      counters.set(place.key, rank);
      const path = `${prefix}/${place.key}#${rank}`;
      const member = parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition';
      // MethodDefinition < ClassBody < the class.
      const ofTopLevelClass = member && options.topLevelClasses.has(ancestors.at(-3)?.start ?? -1);
      const isConstructor = parent?.type === 'MethodDefinition' && parent['kind'] === 'constructor';
      const accessor =
        (parent?.type === 'MethodDefinition' && parent['kind'] !== 'method' && !isConstructor) || (parent?.type === 'Property' && parent['kind'] !== 'init');
      const params = siteParams(children(node, 'params'));
      const nested: Site[] = [];
      into.push({
        node,
        parentPath: prefix,
        place: place.key,
        rank,
        path,
        label: place.label,
        transient: isConstructor || callsAndDrops(node, parent),
        why: accessor
          ? 'it is an accessor'
          : info.classNames.some((c) => !options.topLevelClasses.has(c))
            ? 'it names a class declared inside a function'
            : whyNot(node, info, params),
        info,
        params,
        isAsync: node['async'] === true,
        generator: node['generator'] === true,
        arrow: node.type === 'ArrowFunctionExpression',
        usesThis: usesThis(node),
        method: ofTopLevelClass,
        statementStart: ofTopLevelClass ? null : statement,
        nested,
        expressionBody: node.type === 'ArrowFunctionExpression' ? expressionBody(js, node) : null,
      });
      ancestors.push(node);
      const inner = new Map<string, number>();
      // In parameters and expression bodies there is no statement to put a made-flag before.
      for (const k of kidsOf(node, 'params')) visit(k, null, nested, inner, path);
      for (const k of kidsOf(node, 'body')) visit(k, k.type === 'BlockStatement' ? bodyStart(k) : null, nested, inner, path);
      ancestors.pop();
      return;
    }
    ancestors.push(node);
    for (const key of Object.keys(node)) {
      if (key === 'range') continue;
      for (const k of kidsOf(node, key)) {
        // The innermost statement directly in a block: where a made-flag can go before it.
        const inBlock =
          node.type === 'BlockStatement' || node.type === 'Program' || node.type === 'StaticBlock' || (node.type === 'SwitchCase' && key === 'consequent');
        // A function declared in a block is made when the block is entered: its flag goes at the block's start.
        const isStatement = /Statement$|Declaration$/.test(k.type);
        const flagAt = k.type === 'FunctionDeclaration' ? (node.type === 'BlockStatement' || node.type === 'StaticBlock' ? bodyStart(node) : null) : k.start;
        visit(k, inBlock && isStatement ? flagAt : statement, into, counters, prefix);
      }
    }
    ancestors.pop();
  };
  visit(root, options.rootStatement, out, new Map(), '');
  return out;
}

/** Every site of a tree of sites, outer before inner. */
export function flattenSites(sites: readonly Site[]): Site[] {
  const out: Site[] = [];
  const add = (s: Site): void => {
    out.push(s);
    for (const n of s.nested) add(n);
  };
  for (const s of sites) add(s);
  return out;
}

/** How a site's code is written in one context: the module itself, or the late body of an enclosing site. */
export interface SiteContext {
  /** The cell variable of a site (by its index in the version), or null when it has none. */
  cellOf(site: Site): string | null;
  /** How a captured variable is read in this context (`count`, or `__imago_env.count` in a late body). */
  ref(capture: Capture): string;
  /** The code of the JavaScript in [start, end) as this context writes it. */
  code(start: number, end: number): string;
}

/** The edits that give `site` its made-flag and, when it follows edits, its prologue, in `context`. */
export function siteEdits(site: Site, context: SiteContext): Edit[] {
  const cell = context.cellOf(site);
  if (!cell) return [];
  const edits: Edit[] = [];
  if (site.statementStart !== null) edits.push({ start: site.statementStart, end: site.statementStart, text: `${cell}.m = 1; ` });
  if (site.why !== null) return edits;
  // The captured variables reach a newer body through the cell's env class (runtime/closure-cells.ts),
  // whose accessors call this function: case 2j reads capture j, case 2j+1 writes it.
  const cases = site.info.captures
    .map((c, j) => `case ${2 * j}: return ${context.ref(c)}; case ${2 * j + 1}: ${context.ref(c)} = __imago_v; return;`)
    .join(' ');
  const env = cases === '' ? 'null' : `new ${cell}.E((__imago_i, __imago_v) => { switch (__imago_i) { ${cases} } })`;
  const args = site.params.map((p) => (p.rest ? `...${p.name}` : p.name)).join(', ');
  const call = `${cell}.r.call(this, ${env}${args ? `, ${args}` : ''})`;
  let head = `if (${cell}.r !== null) return ${site.generator ? `yield* ${call}` : call};`;
  // A destructuring parameter: the list takes a plain name, which the body unpacks after the prologue.
  for (const p of site.params) {
    if (!p.pattern) continue;
    head += ` let ${context.code(p.pattern.start, p.pattern.end)} = ${p.name};`;
    edits.push({ start: p.pattern.start, end: p.pattern.end, text: p.name });
  }
  if (site.expressionBody) {
    edits.push({ start: site.expressionBody.start, end: site.expressionBody.start, text: ` { ${head} return (` });
    edits.push({ start: site.expressionBody.end, end: site.expressionBody.end, text: '); }', tail: true });
  } else {
    const body = child(site.node, 'body')!;
    edits.push({ start: body.start + 1, end: body.start + 1, text: ` ${head} ` });
  }
  return edits;
}

/** A reference followed by a call or a template (`f(...)`, `` f`...` ``, `f?.(...)`): read as a plain function, not a method of the env. */
const CALLED = /\s*(?:\(|`|\?\.\s*\()/y;

/** The edits that make `site`'s body a late body: captured variables read through `__imago_env`. */
export function envEdits(js: string, site: Site, shorthands: ReadonlySet<number>): Edit[] {
  return site.info.captureRefs.map((r) => {
    const through = `__imago_env.${r.name}`;
    if (shorthands.has(r.start)) return { start: r.start, end: r.end, text: `${r.name}: ${through}` };
    CALLED.lastIndex = r.end;
    return { start: r.start, end: r.end, text: CALLED.test(js) ? `(0, ${through})` : through };
  });
}
