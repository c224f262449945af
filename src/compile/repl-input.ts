// One input typed at the REPL, compiled to run in the scope of a module: TypeScript -> JavaScript, then
// a function body that a `with` over the scope (module bindings, then the REPL session's own) runs.
// Declarations become the session's: `let x = 1` assigns `x` in the session, `class C {}` likewise, and
// a function declaration stays hoisted in the input and is handed to the session as it starts. The last
// expression statement is the input's value. Every edit stays on its line, so lines map back as they are.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, isFunctionNode, walk } from './ast.js';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';
import { PositionMap } from './position-map.js';
import { lineStarts, type SourcePosition } from './source-text.js';
import { patternNames } from './top-level.js';
import { transpile } from './transpile.js';

/** The parameters of the compiled input: the scope the `with` reads and the session's own values. */
export const REPL_SCOPE = '__imago_scope';
export const REPL_SESSION = '__imago_session';
/** `Symbol.for` key of the global slot holding `[scope, session]` while an input runs (the script reads it, so its run is the call). */
export const REPL_SLOT = 'imago.repl';
/** What `import(x)` in an input calls instead (the scope provides it): a script run by node:vm has no loader of its own. */
export const REPL_IMPORT = '$imago';

/** `import(x)` -> `$imago(x)`: a name as long as the keyword, so every position stays where it was. */
function withReplImports(js: string): string {
  const parsed = parseSync('repl.js', js, { sourceType: 'module', range: true });
  if (parsed.errors.length > 0) return js;
  const starts: number[] = [];
  walk(parsed.program as unknown as AstNode, (node) => {
    if (node.type === 'ImportExpression') starts.push(node.start);
    return true;
  });
  let out = js;
  for (const at of starts) out = out.slice(0, at) + REPL_IMPORT + out.slice(at + REPL_IMPORT.length);
  return out;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** `js` with `edits` (none overlapping) applied, and where an offset of the result was in `js`. */
function applyEdits(js: string, edits: readonly Edit[]): { text: string; toJs: (offset: number) => number } {
  let out = '';
  let at = 0;
  /** Copied slices: [offset in the result, offset in js, length]. */
  const copies: Array<readonly [number, number, number]> = [];
  for (const e of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    copies.push([out.length, at, e.start - at]);
    out += js.slice(at, e.start) + e.text;
    at = e.end;
  }
  copies.push([out.length, at, js.length - at]);
  out += js.slice(at);
  const toJs = (offset: number): number => {
    let best = 0;
    for (const [from, source, length] of copies) {
      if (offset < from) break;
      best = source + Math.min(offset - from, length);
    }
    return best;
  };
  return { text: out, toJs };
}

/** A call that ends the process (`process.exit()`, `process.abort()`, `process.kill(process.pid)`) written in the input. */
function exitCall(program: AstNode): { start: number; what: string } | null {
  let found: { start: number; what: string } | null = null;
  walk(program, (node) => {
    if (found || node.type !== 'CallExpression') return !found;
    const callee = child(node, 'callee');
    if (callee?.type !== 'MemberExpression' || child(callee, 'object')?.['name'] !== 'process') return true;
    const method = child(callee, 'property')?.['name'];
    if (method === 'exit' || method === 'abort' || method === 'reallyExit') found = { start: node.start, what: `process.${method}()` };
    const arg = children(node, 'arguments')[0];
    const own = arg?.type === 'MemberExpression' && child(arg, 'object')?.['name'] === 'process' && child(arg, 'property')?.['name'] === 'pid';
    if (method === 'kill' && own) found = { start: node.start, what: 'process.kill(process.pid)' };
    return !found;
  });
  return found;
}

/** Statements that declare only types: an input with them is kept for the type check of later inputs. */
const TYPE_DECLARATIONS: ReadonlySet<string> = new Set(['TSTypeAliasDeclaration', 'TSInterfaceDeclaration', 'TSModuleDeclaration', 'TSDeclareFunction']);

export interface ReplDeclaration {
  readonly name: string;
  readonly constant: boolean;
}

export type ReplCompiled =
  | {
      readonly ok: true;
      /** A script that runs the input with the `[scope, session]` in the REPL_SLOT; its value is the input's (a promise when `isAsync`). */
      readonly script: string;
      readonly declared: readonly ReplDeclaration[];
      /** It declares types (`type`, `interface`, `declare`): later inputs are checked with them. */
      readonly typesDeclared: boolean;
      /** The text of each function it declares (hoisted: they exist even when the input then throws). */
      readonly functions: ReadonlyArray<{ readonly name: string; readonly text: string }>;
      readonly isAsync: boolean;
      /** The text that was compiled (an input like `{ a: 1 }` is read as an object, as Node's REPL does). */
      readonly source: string;
      /** Length of the wrapper before the input on line 1: frames there are imago's. */
      readonly prefixLength: number;
      /** The script's last line, after the input's: frames there are imago's too. */
      readonly suffixLine: number;
      /** The place in `source` of a line and column of the script (a stack frame's). */
      where(line: number, column: number): SourcePosition;
    }
  | { readonly ok: false; readonly errors: readonly Diagnostic[] };

function topLevelAwait(program: AstNode): boolean {
  let found = false;
  walk(program, (node) => {
    if (found || isFunctionNode(node) || node.type === 'ClassBody') return false;
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node['await'] === true)) found = true;
    return !found;
  });
  return found;
}

/** `{ a: 1 }` alone is an object, not a block (Node's REPL reads it so too). */
function asObjectLiteral(source: string): string | null {
  const t = source.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return null;
  // Untrimmed, so the input's lines and columns stay (but for one column on the first line).
  const wrapped = `(${source})`;
  return transpile('repl.ts', wrapped).ok ? wrapped : null;
}

/** Compiles `input`; `file` names it in messages. */
export function compileReplInput(file: string, input: string): ReplCompiled {
  const source = asObjectLiteral(input) ?? input;
  const t = transpile(file, source);
  if (!t.ok) return { ok: false, errors: t.errors };
  // Imports and exports, as typed (the JavaScript has lost the imports nothing used).
  const typed = parseSync('repl.ts', source, { sourceType: 'module', lang: 'ts' }).program as unknown as AstNode;
  const refuseTyped = (offset: number, message: string): ReplCompiled => ({ ok: false, errors: [diagnosticAt(file, source, offset, message, 'IMAGO_REPL')] });
  let typesDeclared = false;
  const functions: Array<{ name: string; text: string }> = [];
  let meta: AstNode | null = null;
  walk(typed, (node) => {
    if (node.type === 'MetaProperty' && child(node, 'meta')?.['name'] === 'import') meta ??= node;
    return meta === null;
  });
  const exit = exitCall(typed);
  if (exit)
    return refuseTyped(
      exit.start,
      `${exit.what} at the REPL would end the program without its stop() and without saving its image: .exit leaves the REPL; Ctrl-C (or SIGTERM) in the program's terminal stops it properly`,
    );
  if (meta !== null)
    return refuseTyped((meta as AstNode).start, `import.meta is not part of a REPL input: the module's is in its own code (describe a binding that holds it)`);
  for (const stmt of children(typed, 'body')) {
    if (stmt.type === 'ImportDeclaration' || stmt.type === 'TSImportEqualsDeclaration')
      return refuseTyped(
        stmt.start,
        "an import is not part of a REPL input: the module's imports are in scope already; for a package, `const m = await import('...')`",
      );
    if (TYPE_DECLARATIONS.has(stmt.type) || (stmt.type === 'VariableDeclaration' && stmt['declare'] === true)) typesDeclared = true;
    const fn = stmt.type === 'FunctionDeclaration' ? child(stmt, 'id')?.['name'] : undefined;
    if (typeof fn === 'string') functions.push({ name: fn, text: source.slice(stmt.start, stmt.end) });
    if (stmt.type.startsWith('Export') || stmt.type === 'TSExportAssignment')
      return refuseTyped(stmt.start, 'an export is not part of a REPL input: REPL declarations live in the REPL session, never in the files');
  }
  const js = withReplImports(t.code);
  const parsed = parseSync('repl.js', js, { sourceType: 'module', range: true, preserveParens: true });
  const refuse = (offset: number, message: string): ReplCompiled => ({ ok: false, errors: [diagnosticAt(file, js, offset, message, 'IMAGO_REPL')] });
  if (parsed.errors[0]) return refuse(parsed.errors[0].labels[0]?.start ?? 0, parsed.errors[0].message);
  const program = parsed.program as unknown as AstNode;
  const body = children(program, 'body');
  const edits: Edit[] = [];
  const declared: ReplDeclaration[] = [];
  const hoisted: string[] = [];
  for (const [i, stmt] of body.entries()) {
    const last = i === body.length - 1;
    switch (stmt.type) {
      case 'ExportNamedDeclaration':
        // `export {}` that the transpiler adds to what it reads as a module: not the input's.
        edits.push({ start: stmt.start, end: stmt.end, text: '' });
        break;
      case 'VariableDeclaration': {
        const kind = String(stmt['kind']);
        if (kind !== 'let' && kind !== 'const' && kind !== 'var') return refuse(stmt.start, `a '${kind}' declaration cannot live in the REPL session`);
        // `let a = 1, b;` -> `(a = 1), (b = undefined);`: the declarators' own text stays where it is.
        const declarators = children(stmt, 'declarations');
        edits.push({ start: stmt.start, end: declarators[0]?.start ?? stmt.end, text: '' });
        for (const d of declarators) {
          const id = child(d, 'id');
          for (const name of patternNames(id)) declared.push({ name, constant: kind === 'const' });
          if (!child(d, 'init') && kind !== 'let') {
            edits.push({ start: d.start, end: d.end, text: 'void 0' });
            continue;
          }
          edits.push({ start: d.start, end: d.start, text: '(' });
          edits.push({ start: d.end, end: d.end, text: child(d, 'init') ? ')' : ' = undefined)' });
        }
        break;
      }
      case 'FunctionDeclaration': {
        const name = child(stmt, 'id')?.['name'];
        if (typeof name === 'string') {
          declared.push({ name, constant: false });
          hoisted.push(`${REPL_SESSION}[${JSON.stringify(name)}] = ${name};`);
        }
        break;
      }
      case 'ClassDeclaration': {
        const name = child(stmt, 'id')?.['name'];
        if (typeof name === 'string') {
          declared.push({ name, constant: false });
          edits.push({ start: stmt.start, end: stmt.start, text: `${name} = ` });
          edits.push({ start: stmt.end, end: stmt.end, text: ';' });
        }
        break;
      }
      case 'ExpressionStatement':
        if (last) {
          const expr = child(stmt, 'expression')!;
          edits.push({ start: expr.start, end: expr.start, text: 'return (' });
          edits.push({ start: expr.end, end: expr.end, text: ')' });
        }
        break;
    }
  }
  const isAsync = topLevelAwait(program);
  const { text: code, toJs } = applyEdits(js, edits);
  // Everything before the input's first line stays on line 1: the input's lines keep their numbers.
  const prefix = `(function (${REPL_SCOPE}, ${REPL_SESSION}) { with (${REPL_SCOPE}) { return (${isAsync ? 'async ' : ''}function () { "use strict"; ${hoisted.join(' ')}`;
  const script = `${prefix}${code}
}).call(undefined); } })(...globalThis[Symbol.for(${JSON.stringify(REPL_SLOT)})])`;
  const positions = new PositionMap('', [], js, t.map);
  const starts = lineStarts(code);
  const where = (line: number, column: number): SourcePosition => {
    const col = line === 1 ? column - prefix.length : column;
    return positions.sourceOfJs(toJs((starts[line - 1] ?? code.length) + Math.max(0, col - 1)));
  };
  return {
    ok: true,
    script,
    declared,
    typesDeclared,
    functions,
    isAsync,
    source,
    where,
    prefixLength: prefix.length,
    suffixLine: script.split('\n').length,
  };
}
