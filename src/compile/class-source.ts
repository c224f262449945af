// Where a class and its fields are in a module's TypeScript source, to the character: what a structural
// edit (`imago edit add-field`) rewrites, touching no other line. Read with oxc, as typed.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children } from './ast.js';

export interface FieldSource {
  /** `hp`, or `#secret`. */
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** Where its leading comments (`/** @transient *\/`, on lines of their own) begin; `start` without any. */
  readonly leading: number;
  /** Where a comment on its line after it (`hp = 0; // full`) ends; `end` without one. */
  readonly trailing: number;
  /** `: number` (colon included), when the field is annotated. */
  readonly type: { readonly start: number; readonly end: number } | null;
  /** Where the name ends (an annotation goes after it). */
  readonly keyEnd: number;
  readonly isStatic: boolean;
  /** A constructor parameter property (`constructor(public hp: number)`). */
  readonly parameter: boolean;
}

export interface ClassSource {
  readonly name: string;
  /** The name the class extends, when it extends a plain name (`extends Base`). */
  readonly base: string | null;
  /** The braces of the body. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** Instance and static fields, parameter properties included, in source order. */
  readonly fields: readonly FieldSource[];
  /** Where each member starts, in order (a new field goes before the first method when there is no field). */
  readonly members: ReadonlyArray<{ readonly name: string | null; readonly start: number; readonly end: number; readonly kind: 'field' | 'other' }>;
}

function keyName(key: AstNode | undefined): string | null {
  if (!key) return null;
  if (key.type === 'Identifier') return String(key['name']);
  if (key.type === 'PrivateIdentifier') return `#${String(key['name'])}`;
  return null;
}

/** The top-level class `name` of `source` (`export` or not), or null. */
export function classSource(source: string, name: string): ClassSource | null {
  const parsed = parseSync('module.ts', source, { sourceType: 'module', lang: 'ts' });
  const program = parsed.program as unknown as AstNode;
  const comments = parsed.comments.map((c) => ({ start: c.start, end: c.end }));
  const blank = (from: number, to: number): boolean => source.slice(from, to).trim() === '';
  const ownLine = (at: number): boolean => blank(source.lastIndexOf('\n', at - 1) + 1, at);
  const leading = (start: number): number => {
    let at = start;
    for (let i = comments.length - 1; i >= 0; i--) {
      const c = comments[i]!;
      if (c.end <= at && blank(c.end, at) && ownLine(c.start)) at = c.start;
      else if (c.end <= at) break;
    }
    return at;
  };
  const trailing = (end: number): number => {
    const eol = source.indexOf('\n', end);
    const c = comments.find((x) => x.start >= end && (eol < 0 || x.start < eol) && blank(end, x.start));
    return c ? c.end : end;
  };
  for (const stmt of children(program, 'body')) {
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
    if (decl?.type !== 'ClassDeclaration' || child(decl, 'id')?.['name'] !== name) continue;
    const body = child(decl, 'body')!;
    const fields: FieldSource[] = [];
    const members: Array<{ name: string | null; start: number; end: number; kind: 'field' | 'other' }> = [];
    for (const m of children(body, 'body')) {
      const key = keyName(child(m, 'key'));
      if (m.type === 'PropertyDefinition' && key) {
        const type = child(m, 'typeAnnotation');
        fields.push({
          name: key,
          start: m.start,
          end: m.end,
          leading: leading(m.start),
          trailing: trailing(m.end),
          type: type ? { start: type.start, end: type.end } : null,
          keyEnd: child(m, 'key')!.end,
          isStatic: m['static'] === true,
          parameter: false,
        });
        members.push({ name: key, start: m.start, end: m.end, kind: 'field' });
        continue;
      }
      members.push({ name: key, start: m.start, end: m.end, kind: 'other' });
      if (m.type === 'MethodDefinition' && key === 'constructor') {
        for (const p of children(child(m, 'value')!, 'params')) {
          if (p.type !== 'TSParameterProperty') continue;
          const param = child(p, 'parameter');
          const id = param?.type === 'AssignmentPattern' ? child(param, 'left') : param;
          const pname = keyName(id);
          if (!id || !pname) continue;
          const type = child(id, 'typeAnnotation');
          fields.push({
            name: pname,
            start: p.start,
            end: p.end,
            leading: p.start,
            trailing: p.end,
            type: type ? { start: type.start, end: type.end } : null,
            keyEnd: id.start + pname.length,
            isStatic: false,
            parameter: true,
          });
        }
      }
    }
    const superClass = child(decl, 'superClass');
    const base = superClass?.type === 'Identifier' ? String(superClass['name']) : null;
    return { name, base, bodyStart: body.start, bodyEnd: body.end, fields, members };
  }
  return null;
}

/** The names of the top-level classes of `source`. */
export function classNames(source: string): string[] {
  const program = parseSync('module.ts', source, { sourceType: 'module', lang: 'ts' }).program as unknown as AstNode;
  const out: string[] = [];
  for (const stmt of children(program, 'body')) {
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? child(stmt, 'declaration') : stmt;
    const id = decl?.type === 'ClassDeclaration' ? child(decl, 'id')?.['name'] : undefined;
    if (typeof id === 'string') out.push(id);
  }
  return out;
}
