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

/** `js` with `edits` (none overlapping) applied. */
function applyEdits(js: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    out += js.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + js.slice(at);
}

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

/** Names a binding pattern declares. */
export function patternNames(node: AstNode | undefined, out: string[] = []): string[] {
  if (!node) return out;
  switch (node.type) {
    case 'Identifier':
      out.push(String(node['name']));
      break;
    case 'ObjectPattern':
      for (const p of children(node, 'properties')) patternNames(p.type === 'RestElement' ? child(p, 'argument') : child(p, 'value'), out);
      break;
    case 'ArrayPattern':
      for (const e of children(node, 'elements')) patternNames(e, out);
      break;
    case 'AssignmentPattern':
      patternNames(child(node, 'left'), out);
      break;
    case 'RestElement':
      patternNames(child(node, 'argument'), out);
      break;
  }
  return out;
}

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
  const wrapped = `(${t})`;
  return transpile('repl.ts', wrapped).ok ? wrapped : null;
}

/** Compiles `input`; `file` names it in messages. */
export function compileReplInput(file: string, input: string): ReplCompiled {
  const source = asObjectLiteral(input) ?? input;
  const t = transpile(file, source);
  if (!t.ok) return { ok: false, errors: t.errors };
  // Imports and exports, as typed (the JavaScript has lost the imports nothing used).
  const typed = parseSync('repl.ts', source, { sourceType: 'module', lang: 'ts' }).program as unknown as AstNode;
  for (const stmt of children(typed, 'body')) {
    if (stmt.type === 'ImportDeclaration' || stmt.type === 'TSImportEqualsDeclaration')
      return {
        ok: false,
        errors: [
          diagnosticAt(
            file,
            source,
            stmt.start,
            "an import is not part of a REPL input: the module's imports are in scope already; for a package, `const m = await import('...')`",
            'IMAGO_REPL',
          ),
        ],
      };
    if (stmt.type.startsWith('Export') || stmt.type === 'TSExportAssignment')
      return {
        ok: false,
        errors: [
          diagnosticAt(
            file,
            source,
            stmt.start,
            'an export is not part of a REPL input: REPL declarations live in the REPL session, never in the files',
            'IMAGO_REPL',
          ),
        ],
      };
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
        const parts: string[] = [];
        for (const d of children(stmt, 'declarations')) {
          const id = child(d, 'id');
          const init = child(d, 'init');
          for (const name of patternNames(id)) declared.push({ name, constant: kind === 'const' });
          if (!id) continue;
          const target = js.slice(id.start, id.end);
          if (init) parts.push(`(${target} = ${js.slice(init.start, init.end)})`);
          else if (kind === 'let') parts.push(`(${target} = undefined)`);
        }
        edits.push({ start: stmt.start, end: stmt.end, text: `${parts.join(', ') || 'void 0'};` });
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
          edits.push({ start: stmt.start, end: stmt.end, text: `return (${js.slice(expr.start, expr.end)});` });
        }
        break;
    }
  }
  const isAsync = topLevelAwait(program);
  const code = applyEdits(js, edits);
  // Everything before the input's first line stays on line 1: the input's lines keep their numbers.
  const prefix = `(function (${REPL_SCOPE}, ${REPL_SESSION}) { with (${REPL_SCOPE}) { return (${isAsync ? 'async ' : ''}function () { "use strict"; ${hoisted.join(' ')}`;
  const script = `${prefix}${code}
}).call(undefined); } })(...globalThis[Symbol.for(${JSON.stringify(REPL_SLOT)})])`;
  const positions = new PositionMap('', [], js, t.map);
  const starts = lineStarts(js);
  const where = (line: number, column: number): SourcePosition => {
    const col = line === 1 ? column - prefix.length : column;
    return positions.sourceOfJs((starts[line - 1] ?? js.length) + Math.max(0, col - 1));
  };
  return { ok: true, script, declared, isAsync, source, where, prefixLength: prefix.length, suffixLine: script.split('\n').length };
}
