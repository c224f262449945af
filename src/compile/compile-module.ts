// Compiles one version of one module: TypeScript -> JavaScript -> a function body whose top-level
// functions go into a layer object and whose top-level statements become separately runnable items.
// References to module-scope bindings are rewritten to the module's persistent records, so state
// outlives the code that made it (docs/semantics.md).

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, isFunctionNode, nameOf, walk } from './ast.js';
import { instanceFields, migrationCode, rewritePrivateNames, staticMembers } from './classes.js';
import { flattenSites } from './closure-sites.js';
import { COMMONJS_GLOBALS, type CompiledModule, type ExportSource, type FunctionDecl, type Item, MODULE_PARAMS, TRACKED_GLOBALS } from './compiled-module.js';
import { metadataCallRanges } from './decorations.js';
import type { Diagnostic } from './diagnostic.js';
import { emitClass } from './emit-class.js';
import { DECORATED, L, M, META, member, RT, S, T } from './emit-names.js';
import { emitLate, maskedText, planSites, siteInfos } from './emit-sites.js';
import { type Edit, Emitter } from './emitter.js';
import { classLayouts } from './layout.js';
import { PositionMap } from './position-map.js';
import { analyzeScope, type ModuleVariable } from './scope.js';
import { codeFrame } from './source-text.js';
import { CompileFailure, classifyTopLevel, type TopItem } from './top-level.js';
import { bindingMarkers } from './transient.js';
import { type CompileOptions, transpile } from './transpile.js';

export type CompileResult = { readonly ok: true; readonly module: CompiledModule } | { readonly ok: false; readonly errors: Diagnostic[] };

/** True if the statement awaits at module level (not inside a nested function). */
function hasTopLevelAwait(stmt: AstNode): boolean {
  let found = false;
  walk(stmt, (node) => {
    if (found) return false;
    if (isFunctionNode(node) || node.type === 'ClassBody') return false;
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node['await'] === true)) found = true;
    return !found;
  });
  return found;
}

/** Compiles `source` (the text of `file`, a project-relative path used in messages). */
export function compileModule(file: string, source: string, options: CompileOptions = {}): CompileResult {
  const t = transpile(file, source, options);
  if (!t.ok) return t;
  const js = t.code;
  const parsed = parseSync('module.js', js, { sourceType: 'module', range: true, preserveParens: false });
  const firstError = parsed.errors[0];
  const jsPositions = new PositionMap('', [], js, t.map);
  const diag = (jsOffset: number, message: string): Diagnostic => {
    const pos = jsPositions.sourceOfJs(jsOffset);
    return { file, line: pos.line, column: pos.column, message, code: 'IMAGO_COMPILE', frame: codeFrame(source, pos.line, pos.column) };
  };
  if (firstError) return { ok: false, errors: [diag(firstError.labels[0]?.start ?? 0, firstError.message)] };
  try {
    return { ok: true, module: compileProgram(file, source, parsed.program as unknown as AstNode, js, t.map, options) };
  } catch (e: unknown) {
    if (e instanceof CompileFailure) return { ok: false, errors: [diag(e.jsOffset, e.message)] };
    throw e;
  }
}

function compileProgram(
  file: string,
  source: string,
  program: AstNode,
  js: string,
  map: ConstructorParameters<typeof PositionMap>[3],
  options: CompileOptions,
): CompiledModule {
  const { dependencies, imports, rawExports, starExports, top, removed } = classifyTopLevel(program);
  const functionNames = new Set(top.flatMap((t) => (t.kind === 'function' ? [t.name] : [])));
  const scope = analyzeScope(program);
  // A CommonJS `require('./x')` of a string: a dependency, loaded as a change is prepared (require is synchronous).
  if (options.commonjs && scope.globals.has('require')) {
    const known = new Set(dependencies.map((d) => d.specifier));
    walk(program, (node) => {
      if (node.type !== 'CallExpression' || nameOf(child(node, 'callee')) !== 'require') return;
      const arg = children(node, 'arguments')[0];
      if (arg?.type !== 'Literal' || typeof arg['value'] !== 'string' || known.has(arg['value'])) return;
      known.add(arg['value']);
      dependencies.push({ specifier: arg['value'], jsOffset: arg.start, required: true });
    });
  }
  const edits: Edit[] = [];
  const callees = new Set<number>();
  const shorthands = new Set<number>();
  const topLevelStatements = new Set(children(program, 'body'));
  const moduleVarDecls = new Set<AstNode>();
  for (const v of scope.variables) if (v.declaration && v.defType === 'Variable') moduleVarDecls.add(v.declaration);

  walk(program, (node, parent) => {
    switch (node.type) {
      case 'CallExpression':
      case 'NewExpression': {
        const callee = child(node, 'callee');
        if (node.type === 'CallExpression' && callee?.type === 'Identifier') callees.add(callee.start);
        break;
      }
      case 'TaggedTemplateExpression': {
        const tag = child(node, 'tag');
        if (tag?.type === 'Identifier') callees.add(tag.start);
        break;
      }
      case 'Property':
        if (node['shorthand'] === true) {
          const value = child(node, 'value');
          const id = value?.type === 'AssignmentPattern' ? child(value, 'left') : value;
          if (id?.type === 'Identifier') shorthands.add(id.start);
        }
        break;
      case 'Decorator':
        // Left in the output only when the host lowers no TC39 decorators (the Node host does).
        throw new CompileFailure(
          node.start,
          'imago cannot run TC39 decorators without the lowering its Node host brings; run the program with imago run, or set "experimentalDecorators": true in tsconfig.json if these decorators were written for TypeScript\'s legacy kind',
        );
      case 'AccessorProperty':
        throw new CompileFailure(
          node.start,
          'imago cannot run `accessor` fields without the lowering its Node host brings; run the program with imago run, or write a getter and setter over a private field',
        );
      case 'MetaProperty':
        if (nameOf(child(node, 'meta')) === 'import') edits.push({ start: node.start, end: node.end, text: META });
        break;
      case 'ImportExpression':
        edits.push({ start: node.start, end: node.start + 6, text: `${RT}.import` });
        break;
      case 'VariableDeclaration':
        // A `var` nested in a top-level block or loop binds at module scope: it becomes a plain assignment.
        if (moduleVarDecls.has(node) && !topLevelStatements.has(node) && parent?.type !== 'ExportNamedDeclaration') {
          const first = children(node, 'declarations')[0];
          const inLoopHead =
            parent !== null &&
            (parent.type === 'ForStatement' || parent.type === 'ForInStatement' || parent.type === 'ForOfStatement') &&
            child(parent, parent.type === 'ForStatement' ? 'init' : 'left') === node;
          if (!inLoopHead && child(first ?? node, 'id')?.type !== 'Identifier') {
            throw new CompileFailure(
              node.start,
              'imago cannot keep a destructuring `var` nested in a top-level block as module state; declare it at the top level with let',
            );
          }
          edits.push({ start: node.start, end: node.start + 3, text: '' });
          // `var a;` declares without assigning: nothing is left to run but a harmless `void 0`.
          for (const d of children(node, 'declarations')) if (!child(d, 'init') && !inLoopHead) edits.push({ start: d.start, end: d.end, text: 'void 0' });
        }
        break;
    }
  });

  // Imports only decorator metadata reads (emitDecoratorMetadata): oxc keeps them where tsc drops a type's.
  const metadataCalls = metadataCallRanges(program);
  if (metadataCalls.length > 0) {
    for (const v of scope.variables) {
      const ref = imports.get(v.name);
      if (!ref || v.defType !== 'ImportBinding' || v.references.length === 0) continue;
      if (v.references.every((r) => metadataCalls.some(([a, b]) => r.start >= a && r.end <= b))) imports.set(v.name, { ...ref, optional: true });
    }
  }

  const kinds = new Map<string, 'import' | 'function' | 'state'>();
  for (const v of scope.variables) kinds.set(v.name, v.defType === 'ImportBinding' ? 'import' : functionNames.has(v.name) ? 'function' : 'state');
  const declarationIds = new Set(top.flatMap((t) => ((t.kind === 'function' || t.kind === 'class') && t.idStart !== undefined ? [t.idStart] : [])));
  const inRemoved = (at: number): boolean => declarationIds.has(at) || removed.some(([a, b]) => at >= a && at < b);

  const referenceText = (v: ModuleVariable, isWrite: boolean, start: number): string => {
    const kind = kinds.get(v.name);
    if (kind === 'import') return member(L, v.name);
    if (kind === 'function') {
      if (isWrite) throw new CompileFailure(start, `imago cannot reassign the top-level function ${v.name}; declare it with let if it must change at run time`);
      return callees.has(start) ? member(M, v.name) : member(T, v.name);
    }
    return member(S, v.name);
  };

  // The class a lowered decorator call applies to is the one it is run with (decorations.ts).
  const decoratedClass = new Set(top.flatMap((t) => (t.kind === 'class' ? (t.decorations?.targets ?? []) : [])));
  for (const v of scope.variables) {
    for (const r of v.references) {
      if (inRemoved(r.start)) continue;
      if (decoratedClass.has(r.start)) {
        edits.push({ start: r.start, end: r.end, text: DECORATED });
        continue;
      }
      const replacement = referenceText(v, r.isWrite, r.start);
      edits.push({ start: r.start, end: r.end, text: shorthands.has(r.start) ? `${v.name}: ${replacement}` : replacement });
    }
  }

  // Which module-scope names each statement reads while it runs.
  const immediateReads: Array<{ at: number; name: string }> = [];
  for (const v of scope.variables) for (const r of v.references) if (r.immediate && !r.isWrite) immediateReads.push({ at: r.start, name: v.name });
  // Every read of a module-scope name, nested functions included: what a migration's initializers and hook may read.
  const allReads: Array<{ at: number; name: string }> = [];
  for (const v of scope.variables) for (const r of v.references) if (!r.isWrite) allReads.push({ at: r.start, name: v.name });
  const readsIn = (start: number, end: number): { state: Set<string>; functions: Set<string> } => {
    const out = { state: new Set<string>(), functions: new Set<string>() };
    for (const r of allReads) {
      if (r.at < start || r.at >= end) continue;
      const kind = kinds.get(r.name);
      if (kind === 'state') out.state.add(r.name);
      else if (kind === 'function') out.functions.add(r.name);
    }
    return out;
  };
  const functionReads = new Map(top.flatMap((t) => (t.kind === 'function' ? [[t.name, readsIn(t.node.start, t.node.end)] as const] : [])));
  const stateReadsIn = (start: number, end: number): string[] => {
    const { state, functions } = readsIn(start, end);
    const queue = [...functions];
    for (const seen = new Set<string>(); queue.length > 0; ) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const reads = functionReads.get(name);
      for (const n of reads?.state ?? []) state.add(n);
      queue.push(...(reads?.functions ?? []));
    }
    return [...state];
  };
  const migrationReads = (cls: AstNode): { initializerReads: Map<string, string[]>; hookReads: string[] } => {
    const code = migrationCode(js, cls);
    return {
      initializerReads: new Map(code.fields.map((f) => [f.name, stateReadsIn(f.start, f.end)])),
      hookReads: code.hook ? stateReadsIn(code.hook.start, code.hook.end) : [],
    };
  };
  const readsWithin = (start: number, end: number): { local: string[]; imported: string[] } => {
    const local = new Set<string>();
    const imported = new Set<string>();
    for (const r of immediateReads) {
      if (r.at < start || r.at >= end) continue;
      const kind = kinds.get(r.name);
      if (kind === 'import') imported.add(r.name);
      else if (kind === 'state') local.add(r.name);
    }
    return { local: [...local], imported: [...imported] };
  };

  // Live classes: stable private names, static members out of the body, self references to the identity.
  const classItems = top.filter((t): t is Extract<TopItem, { kind: 'class' }> => t.kind === 'class');
  const topLevelNames = new Map<AstNode, string>();
  for (const stmt of children(program, 'body')) {
    const t = top.find((x) => x.node.start >= stmt.start && x.node.end <= stmt.end);
    if (t && t.kind !== 'effect') topLevelNames.set(stmt, t.kind === 'binding' ? (t.names[0] ?? 'binding') : t.name);
  }
  for (const c of classItems) topLevelNames.set(c.node, c.name);
  const privates = rewritePrivateNames(program, js, topLevelNames);
  edits.push(...privates.edits);
  for (const c of classItems) {
    for (const self of scope.classSelfReferences) {
      if (self.classStart !== c.node.start) continue;
      for (const r of self.references) {
        edits.push({ start: r.start, end: r.end, text: shorthands.has(r.start) ? `${c.name}: ${member(S, c.name)}` : member(S, c.name) });
      }
    }
    for (const m of staticMembers(c.node)) edits.push({ start: m.node.start, end: m.node.end, text: '' });
  }

  // Closures below the top level that follow edits (closure-sites.ts): their cells and prologues.
  const baseEdits = [...edits];
  const sites = planSites(js, top, scope.functions, baseEdits);
  edits.push(...sites.edits);
  const declare = (kind: string, names: readonly string[]): string => {
    const used = names.filter((g) => scope.globals.has(g));
    return used.length > 0 ? `${kind} ${used.map((g) => `${g} = ${RT}.${g}`).join(', ')};\n` : '';
  };
  // A CommonJS module may assign its own `exports` (`exports = module.exports = create`), as in Node.
  const prologue = `${privates.prologue}${declare('const', TRACKED_GLOBALS)}${options.commonjs ? declare('let', COMMONJS_GLOBALS) : ''}${sites.cellsDecl}`;
  const emitter = new Emitter(js, edits);
  emitter.insert('"use strict";\n');
  emitter.insert(prologue);
  const functions: FunctionDecl[] = [];
  emitter.insert('const __imago_F = {\n');
  for (const item of top) {
    if (item.kind !== 'function') continue;
    functions.push({ name: item.name, text: js.slice(item.node.start, item.node.end), jsOffset: item.idStart ?? item.node.start });
    emitter
      .insert(`${JSON.stringify(item.name)}: `)
      .copy(item.node.start, item.node.end)
      .insert(',\n');
  }
  emitter.insert('};\nconst __imago_I = [\n');
  const items: Item[] = [];
  const itemKeys = new Map<TopItem, string>();
  const seen = new Map<string, number>();
  const pushItem = (item: Item): void => {
    items.push(item);
  };
  for (const item of top) {
    if (item.kind === 'function') continue;
    if (item.kind === 'class') {
      const own = sites.byItem.get(item) ?? [];
      emitClass(emitter, js, item, hasTopLevelAwait(item.node), privates.symbolFor, readsWithin, pushItem, (start, end) => maskedText(js, start, end, own));
      continue;
    }
    const node = item.node;
    const isAsync = hasTopLevelAwait(node);
    emitter.insert(isAsync ? 'async function () { ' : 'function () { ');
    let itemText: string;
    let reads: { local: string[]; imported: string[] } = { local: [], imported: [] };
    // A following closure's body is left out of the text: an edit only there changes the closure, not the statement.
    const own = sites.byItem.get(item) ?? [];
    if (item.kind === 'effect') {
      itemText = maskedText(js, node.start, node.end, own);
      emitter.copy(node.start, node.end);
    } else {
      const value = item.value;
      if (item.enumFn) {
        itemText = `${item.declKind} ${js.slice(node.start, node.end)}`;
        emitter
          .insert(`${member(S, item.names[0]!)} = ${RT}.defineEnum(${JSON.stringify(item.names[0])}, (`)
          .copy(item.enumFn.start, item.enumFn.end)
          .insert(')({}));');
      } else {
        itemText = `${item.declKind} ${maskedText(js, node.start, node.end, own)}`;
        if (value) reads = readsWithin(value.start, value.end);
        if (item.id && item.id.type !== 'Identifier') {
          const inPattern = readsWithin(item.id.start, item.id.end);
          reads = { local: [...new Set([...reads.local, ...inPattern.local])], imported: [...new Set([...reads.imported, ...inPattern.imported])] };
        }
        if (item.id && item.id.type !== 'Identifier') {
          emitter.insert('(').copy(item.id.start, item.id.end).insert(' = ').copy(value!.start, value!.end).insert(');');
        } else {
          emitter.insert(`${member(S, item.names[0]!)} = `);
          if (value) emitter.copy(value.start, value.end);
          else emitter.insert('undefined');
          emitter.insert(';');
        }
      }
    }
    emitter.insert(' },\n');
    let key = item.kind === 'binding' ? `b:${item.names.join(',')}` : `e:${itemText}`;
    if (item.kind === 'effect') {
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n > 1) key += `#${n}`;
    }
    itemKeys.set(item, key);
    const whole = item.kind === 'binding' && !item.enumFn ? `${item.declKind} ${js.slice(node.start, node.end)}` : js.slice(node.start, node.end);
    const probed = flattenSites(own).flatMap((s) => (s.why === null && !s.transient ? [sites.indexOf.get(s)!] : []));
    items.push({
      ...(whole !== itemText && probed.length > 0 ? { fullText: whole, probed } : {}),
      key,
      kind: item.kind,
      names: item.kind === 'binding' ? item.names : [],
      text: itemText,
      localDeps: reads.local,
      importDeps: reads.imported,
      isAsync,
      jsOffset: node.start,
    });
  }
  emitter.insert('];\nreturn [__imago_F, __imago_I];\n');

  const late = emitLate(js, baseEdits, sites, prologue, shorthands, map);
  const positions = new PositionMap(emitter.code, emitter.segments, js, map);
  const exports = new Map<string, ExportSource>();
  for (const [name, src] of rawExports) {
    if (src.kind === 'local' && src.local !== 'default' && !functionNames.has(src.local)) {
      const ref = imports.get(src.local);
      if (ref) {
        exports.set(name, { kind: 'reexport', dep: ref.dep, name: ref.name });
        continue;
      }
      if (!kinds.has(src.local)) throw new CompileFailure(0, `export ${name} names ${src.local}, which this module does not declare`);
    }
    exports.set(name, src);
  }

  return {
    classes: classLayouts(
      file,
      source,
      new Map(classItems.map((c) => [c.name, { jsOffset: c.node.start, fields: instanceFields(js, c.node), ...migrationReads(c.node) }])),
      options.strictNullChecks ?? true,
    ),
    enums: new Set(top.flatMap((t) => (t.kind === 'binding' && t.enumFn ? [t.names[0]!] : []))),
    ...bindingMarkers(file, source),
    sites: siteInfos(
      js,
      sites,
      late,
      (item) => {
        if (item.kind === 'function') return { key: `f:${item.name}`, name: `the old ${item.name}()` };
        if (item.kind === 'class') return { key: `c:${item.name}`, name: `the old class ${item.name}` };
        if (item.kind === 'binding') return { key: itemKeys.get(item) ?? '', name: `the old initializer of ${item.names.join(', ')}` };
        return { key: itemKeys.get(item) ?? '', name: 'the top-level statement', line: positions.sourceAtOrAfter(item.node.start).line };
      },
      (at) => positions.sourceAtOrAfter(at),
    ),
    late: late ? { code: late.code, positions: late.positions } : null,
    code: emitter.code,
    params: [...MODULE_PARAMS],
    dependencies,
    imports,
    exports,
    starExports,
    functions,
    items,
    positions,
  };
}
