// TC39 decorators (TypeScript 5's standard kind, without experimentalDecorators) in the JavaScript oxc
// printed, which keeps them as written. Node 20 cannot run them, so:
// - the decorators of a top-level class leave the class (blanked, so every other offset stays) and come
//   back as `__imago_classDecorators("K", [dec, ...])` after the module's code: imago applies them to
//   the stable class (decorate-class.ts), which every module holds, not to one version of it;
// - member decorators (and those of nested classes) are lowered by the host's transform (SWC): the
//   lowering runs them in a static block of the class, so they apply to each version as it is defined;
// - `accessor` fields, which Node 20 cannot run either, are lowered by the same transform (a private
//   field with a getter and a setter).
// The lowering's source map is chained onto oxc's, so positions still point into the TypeScript.

import remapping from '@jridgewell/remapping';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf, walk } from './ast.js';
import { lineStarts, positionAt } from './source-text.js';
import type { RawSourceMap } from './transpile.js';

/** Lowers the decorators of JavaScript `js`; the map points into `js` (the host's transform). */
export type DecoratorLowering = (js: string, filename: string) => { code: string; map: RawSourceMap };

/** The callee of the statements that carry a top-level class's decorators (decorations.ts reads them). */
export const CLASS_DECORATORS = '__imago_classDecorators';

/** A construct the lowering gets wrong, refused at its place (an offset in oxc's JavaScript). */
export class LoweringRefusal extends Error {
  constructor(
    readonly jsOffset: number,
    message: string,
  ) {
    super(message);
  }
}

/** The top-level class a statement declares, and its name as imago knows the class. */
function topLevelClass(stmt: AstNode): { cls: AstNode; name: string } | null {
  const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
  if (!decl) return null;
  if (decl.type === 'ClassDeclaration' || (decl.type === 'ClassExpression' && stmt.type === 'ExportDefaultDeclaration')) {
    return { cls: decl, name: nameOf(child(decl, 'id')) ?? 'default' };
  }
  if (decl.type === 'VariableDeclaration' && decl['kind'] === 'const') {
    const [d, ...more] = children(decl, 'declarations');
    const init = d ? child(d, 'init') : undefined;
    if (d && more.length === 0 && init?.type === 'ClassExpression' && child(d, 'id')?.type === 'Identifier')
      return { cls: init, name: nameOf(child(d, 'id'))! };
  }
  return null;
}

/**
 * The lowering names the storage of `accessor x` `#___private_x_<n>`, numbered by position in the file:
 * adding an accessor above another would rename its storage, and live instances would lose its value.
 * Named by the accessor alone (private names belong to their class), unless one class gives a name two
 * numbers (an instance and a static accessor of the same name).
 */
function stableAccessorNames(lowered: { code: string; map: RawSourceMap }): { code: string; map: RawSourceMap } {
  const pattern = /^#___private_([A-Za-z_$][\w$]*?)_(\d+)$/;
  const program = parseSync('lowered.js', lowered.code, { sourceType: 'module', lang: 'js' }).program as unknown as AstNode;
  const renames = new Map<string, string>();
  walk(program, (node) => {
    if (node.type !== 'ClassBody') return;
    const byName = new Map<string, string[]>();
    for (const m of children(node, 'body')) {
      const key = child(m, 'key');
      const found = key?.type === 'PrivateIdentifier' ? pattern.exec(`#${String(key['name'])}`) : null;
      if (found) byName.set(found[1]!, [...(byName.get(found[1]!) ?? []), found[0]]);
    }
    for (const [name, tokens] of byName) if (new Set(tokens).size === 1) renames.set(tokens[0]!, `#___accessor_${name}`);
  });
  if (renames.size === 0) return lowered;
  const code = lowered.code.replace(/#___private_[A-Za-z_$][\w$]*?_\d+\b/g, (token) => renames.get(token) ?? token);
  return { code, map: lowered.map };
}

/** `map` (of `js`) with a mapping for each statement of `tail`, appended to `code` (js blanked), to where its decorators were. */
function withTail(map: RawSourceMap, js: string, code: string, tail: ReadonlyArray<{ text: string; at: number }>): RawSourceMap {
  const trace = new TraceMap({ ...map, version: 3, file: null, sources: map.sources.length > 0 ? map.sources : ['source'] });
  const lines = decode(map.mappings);
  const jsStarts = lineStarts(js);
  let line = code.split('\n').length - 1;
  for (const t of tail) {
    line++; // each statement begins on a line of its own
    const pos = positionAt(jsStarts, t.at);
    const orig = originalPositionFor(trace, { line: pos.line, column: pos.column - 1 });
    while (lines.length <= line) lines.push([]);
    if (orig.line !== null && orig.column !== null) lines[line] = [[0, 0, orig.line - 1, orig.column]];
  }
  return { ...map, mappings: encode(lines) };
}

/** `text` with [start, end) turned to spaces (line breaks kept): every other offset stays where it was. */
function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end);
}

/**
 * The module without TC39 decorators Node cannot run, or null when it has none. Throws what the
 * lowering throws.
 */
export function withoutTc39Decorators(
  file: string,
  js: string,
  map: RawSourceMap | null,
  lower: DecoratorLowering,
): { code: string; map: RawSourceMap | null } | null {
  if (!js.includes('@') && !js.includes('accessor')) return null;
  const program = parseSync(file, js, { sourceType: 'module', lang: 'js' }).program as unknown as AstNode;
  const decorators: AstNode[] = [];
  let accessors = false;
  walk(program, (node) => {
    if (node.type === 'Decorator') decorators.push(node);
    else if (node.type === 'AccessorProperty') {
      accessors = true;
      // SWC 1.16 lowers a decorated private accessor to code that throws on every read (`desc is not defined`).
      if (children(node, 'decorators').length > 0 && child(node, 'key')?.type === 'PrivateIdentifier') {
        throw new LoweringRefusal(
          node.start,
          'imago cannot run a decorated private `accessor` yet (the TC39 lowering it uses gets it wrong); decorate a public accessor, or a private getter and setter over a private field',
        );
      }
    }
  });
  if (decorators.length === 0 && !accessors) return null;
  let code = js;
  const tail: Array<{ text: string; at: number }> = [];
  const moved = new Set<AstNode>();
  for (const stmt of children(program, 'body')) {
    const top = topLevelClass(stmt);
    const own = top ? children(top.cls, 'decorators') : [];
    if (!top || own.length === 0) continue;
    for (const d of own) {
      code = blank(code, d.start, d.end);
      moved.add(d);
    }
    const exprs = own.map((d) => {
      const e = child(d, 'expression')!;
      return js.slice(e.start, e.end);
    });
    tail.push({ text: `\n;${CLASS_DECORATORS}(${JSON.stringify(top.name)}, [${exprs.join(', ')}]);`, at: own[0]!.start });
  }
  // Each statement of the tail maps to its first decorator, so an error there points at the decorators.
  const mapped = map && tail.length > 0 ? withTail(map, js, code, tail) : map;
  code += tail.map((t) => t.text).join('');
  if (!accessors && decorators.every((d) => moved.has(d))) return { code, map: mapped };
  const lowered = stableAccessorNames(lower(code, file));
  const chained = mapped ? (remapping([lowered.map, mapped] as Parameters<typeof remapping>[0], () => null) as unknown as RawSourceMap) : lowered.map;
  return { code: lowered.code, map: { version: chained.version, sources: chained.sources, names: chained.names, mappings: chained.mappings } };
}
