// Emits a top-level class as items: its definition under the stable identity, its static fields
// (state) and its static blocks (effects).

import { type AstNode, child, children, nameOf, text } from './ast.js';
import { staticKeyText, staticMembers } from './classes.js';
import type { Item } from './compiled-module.js';
import { DECORATED, member, RT, S } from './emit-names.js';
import type { Emitter } from './emitter.js';
import type { TopItem } from './top-level.js';

/**
 * A field initializer without what the TC39 lowering put in front of it (`(_initProto(this), 10)`: the
 * method decorators' per-instance initializers, and the extra initializers of the field before it, run
 * once as an instance is made, not again for a field a change adds to live instances).
 */
function ownInitializer(value: AstNode): { readonly start: number; readonly end: number } {
  if (value.type !== 'SequenceExpression') return value;
  const parts = children(value, 'expressions');
  // `_initProto(this)`: the method decorators' initializers; `_init_extra_*(this)`: the previous field's.
  const isInit = (e: AstNode): boolean => e.type === 'CallExpression' && /^(_initProto\d*|_init_extra_[\w$]*)$/.test(nameOf(child(e, 'callee')) ?? '');
  let i = 0;
  while (i < parts.length - 1 && isInit(parts[i]!)) i++;
  return i === 0 ? value : { start: parts[i]!.start, end: value.end };
}

/**
 * Emits `, { hp() { return (10); }, ... }`: each instance field initializer again, as a method to call
 * with an existing instance as `this` when a change adds the field to live instances.
 */
function emitFieldInitializers(emitter: Emitter, node: AstNode, symbolFor: (classStart: number, name: string) => string | undefined): void {
  emitter.insert(', {');
  for (const m of children(child(node, 'body')!, 'body')) {
    const value = child(m, 'value');
    const key = child(m, 'key');
    if (m.type !== 'PropertyDefinition' || m['static'] === true || m['computed'] === true || !value || !key) continue;
    const keyText = key.type === 'PrivateIdentifier' ? `[${symbolFor(node.start, text(key, 'name')!) ?? 'undefined'}]` : JSON.stringify(nameOf(key) ?? '');
    const own = ownInitializer(value);
    emitter.insert(` ${keyText}() { return (`).copy(own.start, own.end).insert('); },');
  }
  emitter.insert(' }');
}

/**
 * Emits a top-level class: one item that (re)defines it under its stable identity, run for every new
 * version of the module, then one item per static field (state: kept unless its initializer changed)
 * and per static block (an effect: re-run when its text changed, closures that follow edits left out), with
 * `this` the class.
 */
export function emitClass(
  emitter: Emitter,
  js: string,
  item: Extract<TopItem, { kind: 'class' }>,
  isAsync: boolean,
  symbolFor: (classStart: number, name: string) => string | undefined,
  readsWithin: (start: number, end: number) => { local: string[]; imported: string[] },
  push: (item: Item) => void,
  /** The text of [start, end) with the bodies of following closures left out (emit-sites.ts). */
  masked: (start: number, end: number) => string,
): void {
  const { name, node, decorations: d } = item;
  const cls = member(S, name);
  const heritage = child(node, 'superClass');
  const reads = heritage ? readsWithin(heritage.start, heritage.end) : { local: [], imported: [] };
  emitter.insert(`${isAsync ? 'async ' : ''}function () { `);
  // TC39 member decorators are evaluated first, as in the class body (the decorating block reads them).
  for (const stmt of d?.prelude ?? []) emitter.copy(stmt.start, stmt.end).insert(' ');
  emitter.insert(`${cls} = ${isAsync ? 'await ' : ''}${RT}.defineClass(${JSON.stringify(name)}, `).copy(node.start, node.end);
  emitFieldInitializers(emitter, node, symbolFor);
  emitter.insert(');');
  if (item.alias) emitter.insert(` ${member(S, item.alias)} = ${cls};`);
  let itemText = js.slice(node.start, node.end);
  if (d && (d.members.length > 0 || d.cls)) {
    // Lowered legacy decorators: the member ones on the new version, the class ones on the stable class.
    emitter.insert(` ${RT}.decorateClass(${cls}, function (${DECORATED}) { `);
    for (const stmt of d.members) emitter.copy(stmt.start, stmt.end).insert(' ');
    emitter.insert(`}, `);
    if (d.cls) emitter.insert(`function (${DECORATED}) { return `).copy(d.cls.call.start, d.cls.call.end).insert('; }');
    else emitter.insert('null');
    emitter.insert(');');
  }
  // TC39 class decorators, on the stable class.
  if (d?.tc39) emitter.insert(` ${RT}.classDecorators(${cls}, `).copy(d.tc39.decorators.start, d.tc39.decorators.end).insert(');');
  if (d) {
    // The class is defined again when its decorators change, and when a name they read does.
    for (const stmt of [...d.prelude, ...d.members, ...(d.cls ? [d.cls.statement] : []), ...(d.tc39 ? [d.tc39.statement] : [])]) {
      itemText += `\n${js.slice(stmt.start, stmt.end)}`;
      const r = readsWithin(stmt.start, stmt.end);
      reads.local.push(...r.local.filter((n) => n !== name && !reads.local.includes(n)));
      reads.imported.push(...r.imported.filter((n) => !reads.imported.includes(n)));
    }
  }
  emitter.insert(' },\n');
  push({
    key: `c:${name}`,
    kind: 'class',
    names: [name],
    text: itemText,
    localDeps: reads.local,
    importDeps: reads.imported,
    isAsync,
    jsOffset: node.start,
  });
  // Static initializers and blocks run as a method whose home object inherits from the superclass, so
  // `super.x` in them reaches the superclass (K -> Impl -> Base) and `this` is the class.
  const asStatic = `({ __proto__: Object.getPrototypeOf(Object.getPrototypeOf(${cls})), __imago_static() `;
  const blocks = new Map<string, number>();
  for (const m of staticMembers(node)) {
    if (m.kind === 'block') {
      const brace = js.indexOf('{', m.node.start);
      // A block whose only change is inside a closure it passes does not run again (the closure follows).
      const text = masked(m.node.start, m.node.end);
      const n = (blocks.get(text) ?? 0) + 1;
      blocks.set(text, n);
      emitter.insert(`function () { ${asStatic}`).copy(brace, m.node.end).insert(` }).__imago_static.call(${cls}); },\n`);
      push({
        key: `e:static ${name} ${text}${n > 1 ? `#${n}` : ''}`,
        kind: 'effect',
        names: [],
        text,
        localDeps: [],
        importDeps: [],
        isAsync: false,
        jsOffset: m.node.start,
      });
      continue;
    }
    const keyText = staticKeyText(js, m);
    emitter.insert(`function () { ${RT}.defineStatic(${cls}, `);
    if (m.computed) emitter.copy(m.key.start, m.key.end);
    else if (m.key.type === 'PrivateIdentifier') emitter.insert(symbolFor(node.start, text(m.key, 'name')!) ?? 'undefined');
    else emitter.insert(JSON.stringify(nameOf(m.key) ?? js.slice(m.key.start, m.key.end)));
    emitter.insert(`, ${asStatic}{ return `);
    if (m.value) emitter.copy(m.value.start, m.value.end);
    else emitter.insert('undefined');
    emitter.insert(`; } }).__imago_static.call(${cls})); },\n`);
    const reads = m.value ? readsWithin(m.value.start, m.value.end) : { local: [], imported: [] };
    push({
      key: `s:${name}.${keyText}`,
      kind: 'binding',
      names: [],
      text: js.slice(m.node.start, m.node.end),
      localDeps: reads.local,
      importDeps: reads.imported,
      isAsync: false,
      jsOffset: m.node.start,
    });
  }
}
