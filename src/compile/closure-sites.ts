// Closure sites: the functions a module creates below its top level (arrows, function expressions,
// nested declarations, object and class methods) that can outlive the call that made them. A closure
// made by an old version runs the body of its counterpart in the current version, with its own captured
// variables: each site gets a cell per version, and a prologue that, once a change has given the cell a
// newer body, calls that body with the closure's arguments and an object over its captured variables.
//
// Counterparts are matched by key: the enclosing top-level function, class member or statement, then
// for each level of nesting the site's place in the code it sits in (`setInterval(...)[0]`,
// `app.get('/users')[1]`, `=handler`, `.onClick`, `return`) and its rank among sites of that place in
// the same enclosing function. Closures added or removed elsewhere in the function do not shift it.
//
// Not late-bound (they cannot outlive the call they are made in, or their body cannot run elsewhere):
// the first argument of an array method (`map`, `forEach`, `sort`...), an IIFE, a Promise executor;
// generators; functions that read `arguments`, `super` or `new.target`; destructured parameters.

import { type AstNode, child, children, isFunctionNode, nameOf, text } from './ast.js';
import type { Edit } from './emitter.js';
import type { FunctionScopeInfo } from './scope.js';

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

/** One function below the top level that may outlive its call. */
export interface Site {
  readonly node: AstNode;
  /** Relative to its owner (`/setInterval()[0]#1`); the owner's key is put in front. */
  readonly path: string;
  /** How the reload line names it: `the function passed to setInterval`. */
  readonly label: string;
  /** Follows edits (has a prologue and a cell); else why not. */
  readonly why: string | null;
  readonly info: FunctionScopeInfo;
  /** The forwarded parameters: names, the last one maybe a rest. */
  readonly params: ReadonlyArray<{ readonly name: string; readonly rest: boolean }>;
  readonly isAsync: boolean;
  /** A class method (its cell counts as made: the class makes it). */
  readonly method: boolean;
  /** The innermost statement in a block around it, where its made-flag goes (null: counts as made). */
  readonly statementStart: number | null;
  /** Sites nested in this one. */
  readonly nested: Site[];
  /** An arrow's expression body with the parentheses around it (`=> ({ ok: true })`), where its prologue wraps it. */
  readonly expressionBody: { readonly start: number; readonly end: number } | null;
}

/**
 * An arrow's expression body with the parentheses around it: the parser's node leaves them out, and a
 * block put inside them (`=> ({ if (...) ...; return ({ ok: true }); })`) would not parse.
 */
function expressionBody(js: string, node: AstNode): { start: number; end: number } | null {
  const body = child(node, 'body');
  if (!body || body.type === 'BlockStatement') return null;
  let start = body.start;
  let end = body.end;
  const skipBack = (i: number): number => {
    for (;;) {
      while (i > 0 && /\s/.test(js[i - 1]!)) i--;
      if (!js.startsWith('*/', i - 2)) return i;
      i = js.lastIndexOf('/*', i - 2);
    }
  };
  const skipForward = (i: number): number => {
    for (;;) {
      while (i < node.end && /\s/.test(js[i]!)) i++;
      if (!js.startsWith('/*', i)) return i;
      i = js.indexOf('*/', i + 2) + 2;
    }
  };
  for (;;) {
    const before = skipBack(start);
    const after = skipForward(end);
    if (js[before - 1] !== '(' || js[after] !== ')' || after >= node.end) return { start, end };
    start = before - 1;
    end = after + 1;
  }
}

/** Whether a function node can outlive the call expression it appears in. */
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

/** A short, stable description of where a function sits (the key part of its place). */
function placeOf(js: string, node: AstNode, parent: AstNode | null): { key: string; label: string } {
  const squeeze = (a: number, b: number): string => js.slice(a, b).replace(/\s+/g, '');
  if (!parent) return { key: node.type, label: 'a function' };
  switch (parent.type) {
    case 'CallExpression':
    case 'NewExpression': {
      const callee = child(parent, 'callee')!;
      const args = children(parent, 'arguments');
      const strings = args.filter((a) => a.type === 'Literal' && typeof a['value'] === 'string').map((a) => squeeze(a.start, a.end));
      const calleeText = squeeze(callee.start, callee.end);
      return { key: `${calleeText}(${strings.join(',')})[${args.indexOf(node)}]`, label: `the function passed to ${calleeText}(${strings.join(', ')})` };
    }
    case 'VariableDeclarator': {
      const name = squeeze(child(parent, 'id')!.start, child(parent, 'id')!.end);
      return { key: `=${name}`, label: name };
    }
    case 'Property': {
      const name = squeeze(child(parent, 'key')!.start, child(parent, 'key')!.end);
      return { key: `.${name}`, label: `the method ${name}` };
    }
    case 'MethodDefinition':
    case 'PropertyDefinition': {
      const name = squeeze(child(parent, 'key')!.start, child(parent, 'key')!.end);
      const prefix = parent['static'] === true ? 'static ' : '';
      return parent.type === 'MethodDefinition' ? { key: `${prefix}${name}`, label: `${name}()` } : { key: `${prefix}field ${name}`, label: name };
    }
    case 'AssignmentExpression': {
      const left = squeeze(child(parent, 'left')!.start, child(parent, 'left')!.end);
      return { key: `${left}=`, label: left };
    }
    case 'ReturnStatement':
      return { key: 'return', label: 'the function returned' };
    case 'ArrowFunctionExpression':
      return { key: '=>', label: 'the function returned' };
    default:
      if (node.type === 'FunctionDeclaration') {
        const name = text(child(node, 'id') ?? node, 'name') ?? 'function';
        return { key: `function ${name}`, label: `${name}()` };
      }
      return { key: parent.type, label: 'a function' };
  }
}

/** Why a change to this function's body cannot reach closures made before it (null: it can). */
function whyNot(node: AstNode, info: FunctionScopeInfo, params: AstNode[]): string | null {
  if (node['generator'] === true) return 'it is a generator';
  if (info.usesArguments) return 'it reads `arguments`';
  let lexical: string | null = null;
  const look = (n: AstNode, top: boolean): void => {
    if (lexical) return;
    if (!top && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ClassBody')) return;
    if (n.type === 'Super') lexical = 'it uses `super`';
    else if (n.type === 'MetaProperty' && nameOf(child(n, 'meta')) === 'new') lexical = 'it reads `new.target`';
    for (const key of Object.keys(n)) {
      if (key === 'range') continue;
      const v = n[key];
      if (Array.isArray(v)) for (const c of v) if (typeof c === 'object' && c !== null && 'type' in c) look(c as AstNode, false);
      if (typeof v === 'object' && v !== null && 'type' in v && !Array.isArray(v)) look(v as AstNode, false);
    }
  };
  look(node, true);
  if (lexical) return lexical;
  for (const p of params) {
    const plain =
      p.type === 'Identifier' ||
      (p.type === 'AssignmentPattern' && child(p, 'left')?.type === 'Identifier') ||
      (p.type === 'RestElement' && child(p, 'argument')?.type === 'Identifier');
    if (!plain) return 'it destructures its parameters';
  }
  return null;
}

function paramNames(params: AstNode[]): Array<{ name: string; rest: boolean }> {
  return params.map((p) => {
    const id = p.type === 'AssignmentPattern' ? child(p, 'left') : p.type === 'RestElement' ? child(p, 'argument') : p;
    return { name: text(id ?? p, 'name') ?? '', rest: p.type === 'RestElement' };
  });
}

/**
 * Finds the sites below `root` (a top-level function, class member body, or statement), with paths
 * relative to it. `functions` is the scope analysis by function start.
 */
export function findSites(
  js: string,
  root: AstNode,
  functions: ReadonlyMap<number, FunctionScopeInfo>,
  options: { readonly skipRoot: boolean; readonly rootStatement: number | null; readonly topLevelClasses: ReadonlySet<number> },
): Site[] {
  const out: Site[] = [];
  const visit = (node: AstNode, parent: AstNode | null, statement: number | null, into: Site[], counters: Map<string, number>, prefix: string): void => {
    if (isFunctionNode(node) && !(options.skipRoot && node === root)) {
      const params = children(node, 'params');
      const info = functions.get(node.start) ?? { captures: [], captureRefs: [], usesArguments: false, classNames: [] };
      const place = placeOf(js, node, parent);
      const n = (counters.get(place.key) ?? 0) + 1;
      counters.set(place.key, n);
      const path = `${prefix}/${place.key}#${n}`;
      const accessor = parent?.type === 'MethodDefinition' && parent['kind'] !== 'method';
      const getterOrSetter = parent?.type === 'Property' && parent['kind'] !== 'init';
      const nested: Site[] = [];
      const site: Site = {
        node,
        path,
        label: place.label,
        why:
          accessor || getterOrSetter
            ? 'it is an accessor'
            : info.classNames.some((c) => !options.topLevelClasses.has(c))
              ? 'it names a class declared inside a function'
              : whyNot(node, info, params),
        info,
        params: paramNames(params),
        isAsync: node['async'] === true,
        method: parent?.type === 'MethodDefinition',
        statementStart: parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition' ? null : statement,
        nested,
        expressionBody: node.type === 'ArrowFunctionExpression' ? expressionBody(js, node) : null,
      };
      const inner = new Map<string, number>();
      for (const key of ['params', 'body']) {
        const v = node[key];
        const kids = Array.isArray(v)
          ? (v as unknown[]).filter((x): x is AstNode => typeof x === 'object' && x !== null && 'type' in x)
          : v
            ? [v as AstNode]
            : [];
        for (const k of kids)
          visit(k, node, node.type === 'ArrowFunctionExpression' && key === 'body' && k.type !== 'BlockStatement' ? null : statement, nested, inner, path);
      }
      // A constructor is no site (the class's stable constructor runs the current one); what it makes is.
      const isConstructor = parent?.type === 'MethodDefinition' && parent['kind'] === 'constructor';
      if (isConstructor || callsAndDrops(node, parent)) into.push(...nested);
      else into.push(site);
      return;
    }
    for (const key of Object.keys(node)) {
      if (key === 'range') continue;
      const v = node[key];
      const kids = Array.isArray(v)
        ? (v as unknown[]).filter((x): x is AstNode => typeof x === 'object' && x !== null && 'type' in x)
        : typeof v === 'object' && v !== null && 'type' in v
          ? [v as AstNode]
          : [];
      for (const k of kids) {
        // The innermost statement directly in a block: where a made-flag can go before it.
        const inBlock =
          node.type === 'BlockStatement' || node.type === 'Program' || node.type === 'StaticBlock' || (node.type === 'SwitchCase' && key === 'consequent');
        const isStatement = /Statement$|Declaration$/.test(k.type) && k.type !== 'FunctionDeclaration';
        visit(k, node, inBlock && isStatement ? k.start : statement, into, counters, prefix);
      }
    }
  };
  visit(root, null, options.rootStatement, out, new Map(), '');
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
  /** The cell variable of a site (by its index in the version), or null when the site does not follow. */
  cellOf(site: Site): string | null;
  /** How a captured variable is read in this context (`count`, or `__imago_env.count` in a late body). */
  ref(name: string): string;
}

/** The edits that give `site` its prologue (and its made-flag), in `context`. */
export function siteEdits(site: Site, context: SiteContext): Edit[] {
  const cell = context.cellOf(site);
  if (!cell) return [];
  const edits: Edit[] = [];
  // The captured variables reach a newer body through the cell's env class (closure-cells.ts), whose
  // accessors call this function: case 2j reads capture j, case 2j+1 writes it.
  const cases = site.info.captures
    .map((c, j) => `case ${2 * j}: return ${context.ref(c.name)}; case ${2 * j + 1}: ${context.ref(c.name)} = __imago_v; return;`)
    .join(' ');
  const env = cases === '' ? 'null' : `new ${cell}.E((__imago_i, __imago_v) => { switch (__imago_i) { ${cases} } })`;
  const args = site.params.map((p) => (p.rest ? `...${p.name}` : p.name)).join(', ');
  const prologue = `if (${cell}.r !== null) return ${cell}.r.call(this, ${env}${args ? `, ${args}` : ''});`;
  const body = site.expressionBody ?? child(site.node, 'body')!;
  if (!site.expressionBody) edits.push({ start: body.start + 1, end: body.start + 1, text: ` ${prologue} ` });
  else {
    edits.push({ start: body.start, end: body.start, text: `{ ${prologue} return (` });
    edits.push({ start: body.end, end: body.end, text: '); }', tail: true });
  }
  if (site.statementStart !== null) edits.push({ start: site.statementStart, end: site.statementStart, text: `${cell}.m = 1; ` });
  return edits;
}

/** The edits that make `site`'s body a late body: captured variables read through `__imago_env`. */
export function envEdits(site: Site, shorthands: ReadonlySet<number>): Edit[] {
  return site.info.captureRefs.map((r) => {
    const through = `__imago_env.${r.name}`;
    return { start: r.start, end: r.end, text: shorthands.has(r.start) ? `${r.name}: ${through}` : through };
  });
}
