// The data layout of each top-level class, per version: its instance fields in the order a new instance
// gets them, with their TypeScript types (which the JavaScript has lost) and rename markers. The live
// data layout engine (src/runtime/migrate.ts) diffs two of these to migrate instances that already exist.

import { parseSync } from 'oxc-parser';
import { type AstNode, child, children, nameOf, text } from './ast.js';
import type { ClassInfo, FieldDecl } from './compiled-module.js';
import { languageOf } from './transpile.js';
import { shapeOfInitializer, shapeOfType, shapeText, type TypeShape, unionOf } from './type-shape.js';

/** The hook a class declares to migrate its instances: `static migrateInstance(instance, old, fromVersion)`. */
export const MIGRATE_HOOK = 'migrateInstance';

const RENAMED = /@renamed\s+(#?[A-Za-z_$][\w$]*)/;
/** `/** @transient *\/`: a field or binding an image file leaves out (docs/images.md). */
export const TRANSIENT = /@transient\b/;

interface TsField {
  readonly type: TypeShape;
  readonly typeText: string;
  readonly renamedFrom: string | null;
  readonly transient: boolean;
  readonly start: number;
  readonly param: boolean;
}

type Comment = { readonly value: string; readonly start: number; readonly end: number };

function keyName(key: AstNode | undefined): string | null {
  if (!key) return null;
  if (key.type === 'PrivateIdentifier') return `#${text(key, 'name') ?? ''}`;
  return nameOf(key) ?? null;
}

/** The top-level classes and type aliases of a TypeScript module, by name. */
function declarations(program: AstNode): { classes: Map<string, AstNode>; aliases: Map<string, AstNode> } {
  const classes = new Map<string, AstNode>();
  const aliases = new Map<string, AstNode>();
  for (let stmt of children(program, 'body')) {
    const isDefault = stmt.type === 'ExportDefaultDeclaration';
    if (stmt.type === 'ExportNamedDeclaration' || isDefault) stmt = child(stmt, 'declaration') ?? stmt;
    if (stmt.type === 'ImportDeclaration') {
      for (const s of children(stmt, 'specifiers')) {
        const local = nameOf(child(s, 'local'));
        if (local && (stmt['importKind'] === 'type' || s['importKind'] === 'type')) aliases.set(local, s);
      }
      continue;
    }
    if (stmt.type === 'VariableDeclaration') {
      for (const d of children(stmt, 'declarations')) {
        const id = nameOf(child(d, 'id'));
        const init = child(d, 'init');
        if (id && init?.type === 'ClassExpression') classes.set(id, init);
      }
      continue;
    }
    const name = nameOf(child(stmt, 'id')) ?? (isDefault && stmt.type === 'ClassDeclaration' ? 'default' : undefined);
    if (!name) continue;
    if (stmt.type === 'ClassDeclaration') classes.set(name, stmt);
    else if (stmt.type === 'TSTypeAliasDeclaration' || stmt.type === 'TSInterfaceDeclaration') aliases.set(name, stmt);
  }
  return { classes, aliases };
}

/** The text of a class's `extends` expression, null when it has none (or imago has no AST for it). */
function heritageOf(source: string, cls: AstNode | undefined): string | null {
  const parent = cls ? child(cls, 'superClass') : undefined;
  return parent ? source.slice(parent.start, parent.end) : null;
}

/** The fields a TypeScript class declares (not `declare` ones), with their types and markers. */
function tsFields(source: string, cls: AstNode, aliases: ReadonlyMap<string, AstNode>, comments: readonly Comment[]): Map<string, TsField> {
  const out = new Map<string, TsField>();
  let previousEnd = child(cls, 'body')?.start ?? cls.start;
  const markerBefore = (start: number): string | null => {
    for (const c of comments)
      if (c.start >= previousEnd && c.end <= start) {
        const m = RENAMED.exec(c.value);
        if (m) return m[1]!;
      }
    return null;
  };
  const transientBefore = (start: number): boolean => comments.some((c) => c.start >= previousEnd && c.end <= start && TRANSIENT.test(c.value));
  const typed = (annotation: AstNode | undefined, value: AstNode | undefined, optional: boolean): Pick<TsField, 'type' | 'typeText'> => {
    const node = child(annotation ?? cls, 'typeAnnotation');
    let type = node ? shapeOfType(node, aliases) : shapeOfInitializer(value);
    let typeText = node ? source.slice(node.start, node.end).replace(/\s+/g, ' ') : type.kind === 'opaque' ? '' : shapeText(type);
    if (optional) {
      type = unionOf([type, { kind: 'primitive', name: 'undefined' }]);
      typeText = typeText ? `${typeText} | undefined` : '';
    }
    return { type, typeText };
  };
  for (const m of children(child(cls, 'body')!, 'body')) {
    if (m.type === 'MethodDefinition' && m['kind'] === 'constructor') {
      for (const p of children(child(m, 'value')!, 'params')) {
        if (p.type !== 'TSParameterProperty') continue;
        const param = child(p, 'parameter')!;
        const id = param.type === 'AssignmentPattern' ? child(param, 'left') : param;
        const name = nameOf(id);
        if (!name || !id) continue;
        out.set(name, {
          ...typed(child(id, 'typeAnnotation'), child(param, 'right'), id['optional'] === true),
          renamedFrom: markerBefore(p.start),
          transient: transientBefore(p.start),
          start: p.start,
          param: true,
        });
        previousEnd = p.end;
      }
    }
    const accessor = m.type === 'AccessorProperty';
    if ((m.type === 'PropertyDefinition' || accessor) && m['static'] !== true && m['declare'] !== true && m['computed'] !== true) {
      const key = keyName(child(m, 'key'));
      // An `accessor x` keeps its value in the storage the lowering gives it (tc39-decorators.ts).
      const name = key && accessor ? (key.startsWith('#') ? null : `#___accessor_${key}`) : key;
      if (name)
        out.set(name, {
          ...typed(child(m, 'typeAnnotation'), child(m, 'value'), m['optional'] === true),
          renamedFrom: markerBefore(m.start),
          transient: transientBefore(m.start),
          start: m.start,
          param: false,
        });
    }
    previousEnd = m.end;
  }
  return out;
}

function hasMigrateHook(cls: AstNode): boolean {
  return children(child(cls, 'body')!, 'body').some(
    (m) => m.type === 'MethodDefinition' && m['static'] === true && m['computed'] !== true && keyName(child(m, 'key')) === MIGRATE_HOOK,
  );
}

/**
 * A field `x` made an `accessor x` keeps its value in the accessor's storage (`#___accessor_x`,
 * tc39-decorators.ts): to the program they are one field, so the value moves as with a rename marker
 * (the reverse is layout-plan.ts's).
 */
function accessorCounterpart(fieldName: string): string | null {
  return /^#___accessor_([\w$]+)$/.exec(fieldName)?.[1] ?? null;
}

/** A type as TypeScript reads it without strictNullChecks: null and undefined are in every type. */
function withNullish(type: TypeShape): TypeShape {
  if (type.kind === 'any' || type.kind === 'opaque') return type;
  return { kind: 'union', members: [type, { kind: 'primitive', name: 'undefined' }, { kind: 'primitive', name: 'null' }] };
}

/**
 * The layouts of the module's top-level classes: `jsFields` (from the JavaScript, in the order instances
 * get them) joined with what the TypeScript source says about each field. Fields TypeScript declares
 * that the JavaScript does not define up front (parameter properties, or fields without an initializer
 * under `useDefineForClassFields: false`) follow, as the constructor assigns them.
 */

export function classLayouts(
  file: string,
  source: string,
  jsClasses: ReadonlyMap<
    string,
    {
      jsOffset: number;
      fields: ReadonlyArray<{ name: string; initializer: string | null }>;
      initializerReads: ReadonlyMap<string, readonly string[]>;
      hookReads: readonly string[];
    }
  >,
  /** tsconfig `strictNullChecks` (or `strict`): without it, every type also holds null and undefined. */
  strictNullChecks = true,
): Map<string, ClassInfo> {
  const out = new Map<string, ClassInfo>();
  if (jsClasses.size === 0) return out;
  const parsed = parseSync(`module.${languageOf(file)}`, source, { sourceType: 'module', lang: languageOf(file) });
  const program = parsed.program as unknown as AstNode;
  const comments = (parsed.comments as readonly Comment[]).filter((c) => c.value.includes('@renamed') || c.value.includes('@transient'));
  const { classes, aliases } = declarations(program);
  for (const [name, js] of jsClasses) {
    const cls = classes.get(name);
    const ts = cls ? tsFields(source, cls, aliases, comments) : new Map<string, TsField>();
    const fields: FieldDecl[] = [];
    const seen = new Set<string>();
    const add = (fieldName: string, initializer: string | null, assigned?: FieldDecl['assigned']): void => {
      const info = ts.get(fieldName);
      seen.add(fieldName);
      fields.push({
        name: fieldName,
        initializer,
        type: !info ? { kind: 'opaque' } : strictNullChecks ? info.type : withNullish(info.type),
        typeText: info?.typeText ?? '',
        renamedFrom: info?.renamedFrom ?? accessorCounterpart(fieldName),
        sourceOffset: info?.start ?? cls?.start ?? 0,
        ...(info?.transient ? { transient: true as const } : {}),
        ...(assigned ? { assigned } : {}),
      });
    };
    for (const f of js.fields) if (!f.name.startsWith('[')) add(f.name, f.initializer);
    for (const param of [true, false]) {
      for (const [fieldName, info] of ts) if (info.param === param && !seen.has(fieldName)) add(fieldName, null, param ? 'parameter' : 'constructor');
    }
    out.set(name, {
      jsOffset: js.jsOffset,
      fields,
      migrateHook: cls ? hasMigrateHook(cls) : false,
      heritage: heritageOf(source, cls),
      initializerReads: js.initializerReads,
      hookReads: js.hookReads,
    });
  }
  return out;
}
