// What a structural edit does to the files: the new text of every file it touches, computed from the
// class as oxc reads it and from the references the type checker finds, touching no line it need not
// touch; and the intent the running image applies it with (a rename keeps values by name).

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import type { SpansAnswer } from '../../check/protocol.js';
import type { AstNode } from '../../compile/ast.js';
import { type ClassSource, classNames, classSource, type FieldSource } from '../../compile/class-source.js';
import { lineStarts, positionAt } from '../../compile/source-text.js';
import type { ChangeIntent } from '../../runtime/intent.js';
import type { EditCommand } from './commands.js';
import { planMove } from './move.js';
import { planRename } from './rename.js';
import { apply, readSource } from './text.js';

export interface EditPlan {
  /** Absolute path -> the text before and after. */
  readonly texts: ReadonlyMap<string, { readonly before: string; readonly after: string }>;
  readonly intent: ChangeIntent;
  /** The class's file and what the running image will do with its instances (one line each). */
  readonly classFile: string;
  readonly migration: readonly string[];
  /** Files the edit creates (absolute paths; their `before` is empty). */
  readonly created?: readonly string[];
}

export interface PlanContext {
  readonly root: string;
  /** A running image takes the edit with its intent; else the files must carry it (a `@renamed` marker). */
  readonly live: boolean;
  /** The module to look for the class in (`--module`), else every project file. */
  readonly module: string | undefined;
  readonly spans: (file: string, name: string, member: string | undefined, newName?: string) => Promise<Omit<SpansAnswer, 'kind' | 'id' | 'ms'>>;
  /** True when the type checker's program holds `file` (what it does not hold, it cannot check). */
  readonly checked: (file: string, className: string) => Promise<boolean>;
}

const IDENT = /^#?[A-Za-z_$][\w$]*$/;
const SKIP = new Set(['node_modules', 'dist', '.git', '.imago']);

/** Project TypeScript files under `root` (not node_modules, dist, .git, .imago). */
export function projectFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name));
      } else if (/\.(?:m|c)?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path.join(dir, e.name));
    }
  };
  walk(root);
  return out;
}

/** The file declaring top-level class `name`: the one named, or the only project file that declares it. */
function classFile(ctx: PlanContext, name: string): string {
  if (ctx.module) {
    const file = path.resolve(ctx.root, ctx.module);
    if (!fs.existsSync(file)) throw new Error(`--module '${ctx.module}' not found (looked at ${file})`);
    if (!classNames(fs.readFileSync(file, 'utf8')).includes(name)) throw new Error(`${ctx.module} declares no top-level class '${name}'`);
    return file;
  }
  // Only files that spell the name and a class are parsed.
  const hits = projectFiles(ctx.root).filter((f) => {
    const text = fs.readFileSync(f, 'utf8');
    return text.includes(name) && /\bclass\s/.test(text) && classNames(text).includes(name);
  });
  if (hits.length === 0) throw new Error(`no project file declares a top-level class '${name}' (give its file with --module <file>)`);
  if (hits.length > 1)
    throw new Error(
      `${hits.length} files declare a class '${name}' (${hits.map((f) => path.relative(ctx.root, f)).join(', ')}): name one with --module <file>`,
    );
  return hits[0]!;
}

/** `mood: string = 'calm'` read as TypeScript reads a class field. */
function fieldSpec(spec: string): { name: string; type: string | null; init: string | null; text: string } {
  const text = spec.trim().replace(/;$/, '');
  const wrapped = `class __Spec {\n${text};\n}`;
  const r = parseSync('spec.ts', wrapped, { sourceType: 'module', lang: 'ts' });
  const cls = (r.program.body[0] as unknown as AstNode | undefined)?.['body'] as AstNode | undefined;
  const members = (cls?.['body'] as AstNode[] | undefined) ?? [];
  const m = members[0];
  if (r.errors.length > 0 || members.length !== 1 || m?.type !== 'PropertyDefinition' || m['static'] === true)
    throw new Error(`'${spec}' is not one field: write <name>: <type> [= <initializer>], e.g. "mood: string = 'calm'"`);
  const key = m['key'] as AstNode;
  const name = key.type === 'PrivateIdentifier' ? `#${String(key['name'])}` : String(key['name']);
  const type = m['typeAnnotation'] as AstNode | null;
  const value = m['value'] as AstNode | null;
  return {
    name,
    type: type ? wrapped.slice(type.start + 1, type.end).trim() : null,
    init: value ? wrapped.slice(value.start, value.end) : null,
    text,
  };
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

/** The whitespace a line starts with. */
function indentOf(text: string, at: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, at)))?.[0] ?? '';
}

function field(cls: ClassSource, name: string, file: string): FieldSource {
  const f = cls.fields.find((x) => x.name === name && !x.isStatic);
  if (f) return f;
  if (cls.fields.some((x) => x.name === name))
    throw new Error(
      `'${name}' is a static field of ${cls.name} (${file}): imago edit changes instance fields (the data each object holds); edit statics in the file`,
    );
  const have = cls.fields.filter((x) => !x.isStatic).map((x) => x.name);
  throw new Error(`class ${cls.name} (${file}) has no field '${name}'${have.length > 0 ? ` (its fields: ${have.join(', ')})` : ''}`);
}

/** Plans `command`; throws an Error whose message says what is wrong and what to do. */
export async function planEdit(command: EditCommand, ctx: PlanContext): Promise<EditPlan> {
  if (command.kind === 'rename') return planRename(command, ctx);
  if (command.kind === 'move') return planMove(command, ctx);
  const plan = await planFieldEdit(command, ctx);
  return ctx.live ? plan : { ...plan, migration: plan.migration.map((m) => `${m} (when the program next runs)`) };
}

async function planFieldEdit(command: Exclude<EditCommand, { kind: 'rename' | 'move' }>, ctx: PlanContext): Promise<EditPlan> {
  const file = classFile(ctx, command.className);
  const rel = path.relative(ctx.root, file);
  const { bom, text: before } = readSource(file);
  // New lines as the file ends its lines.
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  const cls = classSource(before, command.className)!;
  if (!(await ctx.checked(file, cls.name)))
    throw new Error(
      `${rel} is not part of the program imago type-checks (the entry does not import it), so the edit could not be checked: give --entry <file> with an entry that imports it, or edit the file by hand`,
    );
  const one = (after: string, migration: string[], intent: ChangeIntent = { fieldRenames: [] }): EditPlan => ({
    texts: new Map([[file, { before: bom + before, after: bom + after }]]),
    intent,
    classFile: file,
    migration,
  });
  switch (command.kind) {
    case 'add-field': {
      const spec = fieldSpec(command.spec);
      if (cls.fields.some((f) => f.name === spec.name)) throw new Error(`class ${cls.name} (${rel}) has a field '${spec.name}' already`);
      if (cls.members.some((m) => m.name === spec.name))
        throw new Error(`class ${cls.name} (${rel}) has a member '${spec.name}' already (a method or accessor): pick another name`);
      const instance = cls.fields.filter((f) => !f.isStatic && !f.parameter);
      const anchor = command.after !== undefined ? field(cls, command.after, rel) : instance.at(-1);
      if (anchor?.parameter) throw new Error(`'${command.after}' is a constructor parameter property: add the field after a field of the class body`);
      const semicolon = anchor ? before.slice(anchor.start, anchor.end).trimEnd().endsWith(';') : true;
      const line = `${spec.text}${semicolon ? ';' : ''}`;
      let after: string;
      // After the anchor and the comment on its line, if any.
      // On a line of its own, or on the anchor's line when more follows it there (`{ a = 1; b = 2; }`).
      const rest = anchor
        ? before.slice(anchor.trailing, before.indexOf('\n', anchor.trailing) < 0 ? before.length : before.indexOf('\n', anchor.trailing))
        : '';
      if (anchor && rest.trim() !== '') after = apply(before, [{ start: anchor.trailing, end: anchor.trailing, text: ` ${line}` }]);
      else if (anchor) after = apply(before, [{ start: anchor.trailing, end: anchor.trailing, text: `${eol}${indentOf(before, anchor.start)}${line}` }]);
      else {
        const first = cls.members[0];
        const indent = first ? indentOf(before, first.start) : `${indentOf(before, cls.bodyStart)}  `;
        after = apply(before, [
          { start: cls.bodyStart + 1, end: cls.bodyStart + 1, text: `${eol}${indent}${line}${first ? '' : `${eol}${indentOf(before, cls.bodyStart)}`}` },
        ]);
      }
      return one(after, [
        `${cls.name}: field '${spec.name}' added; every live instance and store row gets ${spec.init !== null ? `its initializer (${spec.init})` : 'undefined (no initializer)'}`,
      ]);
    }
    case 'remove-field': {
      const f = field(cls, command.field, rel);
      if (f.parameter) throw new Error(`'${f.name}' is a constructor parameter property of ${cls.name}: remove it from the constructor's parameters`);
      const found = await ctx.spans(file, cls.name, f.name);
      const uses = found.spans.filter((s) => !(s.file === file && s.start >= f.start && s.end <= f.end));
      if (uses.length > 0 && !command.force) {
        const places = uses.map((u) => {
          const text = u.file === file ? before : fs.readFileSync(u.file, 'utf8');
          const pos = positionAt(lineStarts(text), u.start);
          return `  ${path.relative(ctx.root, u.file)}:${pos.line}:${pos.column}`;
        });
        throw new Error(
          `${cls.name}.${f.name} is used in ${uses.length} place${uses.length === 1 ? '' : 's'}; change them first, or give --force (the type check then shows what breaks, and the edit is refused if anything does):\n${places.join('\n')}`,
        );
      }
      // The whole lines, its own comments with it (a `@transient` must not fall on the next field), when
      // the field is alone on them; else just the field.
      const from = lineStart(before, f.leading);
      const end = before.indexOf('\n', f.trailing);
      const alone = before.slice(from, f.leading).trim() === '' && before.slice(f.trailing, end < 0 ? before.length : end).trim() === '';
      const after = alone
        ? before.slice(0, from) + before.slice(end < 0 ? before.length : end + 1)
        : apply(before, [{ start: f.start, end: f.trailing + (/^[ \t]*/.exec(before.slice(f.trailing))?.[0].length ?? 0), text: '' }]);
      return one(after, [`${cls.name}: field '${f.name}' removed from every live instance and store row (its values are dropped)`]);
    }
    case 'rename-field': {
      const f = field(cls, command.field, rel);
      if (!IDENT.test(command.to) || command.to === '__proto__' || command.to === 'constructor' || command.to.startsWith('#') !== f.name.startsWith('#'))
        throw new Error(`'${command.to}' is not a name for ${f.name.startsWith('#') ? 'a #private field (it starts with #)' : 'a field'}`);
      const taken = cls.fields.some((x) => x.name === command.to) || cls.members.some((m) => m.name === command.to);
      if (taken) throw new Error(`class ${cls.name} (${rel}) has a member '${command.to}' already: pick another name`);
      const found = await ctx.spans(file, cls.name, f.name);
      if (!found.found) throw new Error(found.message);
      if (found.members.includes(command.to))
        throw new Error(`an instance of ${cls.name} has a member '${command.to}' already (from a class it extends): pick another name`);
      const byFile = new Map<string, Array<{ start: number; end: number; text: string }>>();
      const sources = new Map<string, { bom: string; text: string }>([[file, { bom, text: before }]]);
      const source = (f2: string): { bom: string; text: string } => {
        if (!sources.has(f2)) sources.set(f2, readSource(f2));
        return sources.get(f2)!;
      };
      for (const s of found.spans) {
        const list = byFile.get(s.file) ?? [];
        const text = source(s.file).text;
        const old = text.slice(s.start, s.end);
        const replacement = s.shape === 'shorthand' ? `${command.to}: ${old}` : s.shape === 'string' ? `${old[0]}${command.to}${old.at(-1)}` : command.to;
        // `{ health: hp }` renamed to hp is `{ hp }` again.
        if (s.shape === 'name' && s.value?.text === command.to) list.push({ start: s.start, end: s.value.end, text: command.to });
        else list.push({ start: s.start, end: s.end, text: replacement });
        byFile.set(s.file, list);
      }
      // Every class that declares the field gets the rename: the one named, and those the checker ties
      // to it (an override in a subclass, another class implementing the same interface member).
      const owners = new Map<string, { file: string; field: FieldSource }>([[`${file}\0${cls.name}`, { file, field: f }]]);
      for (const s of found.spans) {
        if (!s.declares || owners.has(`${s.file}\0${s.declares}`)) continue;
        const other = classSource(source(s.file).text, s.declares)?.fields.find((x) => x.name === f.name);
        if (other) owners.set(`${s.file}\0${s.declares}`, { file: s.file, field: other });
      }
      // Without a running image to take the intent, the source keeps it for the next start: a marker.
      if (!ctx.live) {
        for (const { file: f2, field: decl } of owners.values()) {
          const text = source(f2).text;
          const marker = /\/\*\*\s*@renamed\s+#?[\w$]+\s*\*\//.exec(text.slice(decl.leading, decl.start));
          const list = byFile.get(f2) ?? [];
          if (marker) list.push({ start: decl.leading + marker.index, end: decl.leading + marker.index + marker[0].length, text: `/** @renamed ${f.name} */` });
          else list.push({ start: decl.start, end: decl.start, text: `/** @renamed ${f.name} */ ` });
          byFile.set(f2, list);
        }
      }
      const texts = new Map<string, { before: string; after: string }>();
      for (const [f2, edits] of byFile) {
        const { bom: mark, text } = source(f2);
        texts.set(f2, { before: mark + text, after: mark + apply(text, edits) });
      }
      // An instance has one property for a field its class and a base class both declare: the rename
      // goes to the base-most declaring class of each chain (the subclass's declaration is renamed in the text).
      const bases = new Map<string, string | null>();
      for (const key of owners.keys()) {
        const [f2, name] = key.split('\0') as [string, string];
        bases.set(name, classSource(source(f2).text, name)?.base ?? null);
      }
      const ownerNames = new Set([...owners.keys()].map((k) => k.split('\0')[1]!));
      const underAnother = (name: string): boolean => {
        for (let b = bases.get(name) ?? null, hops = 0; b !== null && hops < 50; b = bases.get(b) ?? null, hops++) if (ownerNames.has(b)) return true;
        return false;
      };
      const classes = [...owners.entries()].map(([key, o]) => ({ file: o.file, className: key.split('\0')[1]! })).filter((o) => !underAnother(o.className));
      return {
        texts,
        intent: { fieldRenames: classes.map((o) => ({ ...o, from: f.name, to: command.to })) },
        classFile: file,
        migration: classes.map((o) => `${o.className}: field '${f.name}' renamed to '${command.to}' in every live instance and store row (values kept)`),
      };
    }
    case 'retype-field': {
      const f = field(cls, command.field, rel);
      const type = command.type.trim();
      if (!type) throw new Error('retype-field needs a type, e.g. retype-field Critter.hp bigint');
      const edit = f.type ? { start: f.type.start, end: f.type.end, text: `: ${type}` } : { start: f.keyEnd, end: f.keyEnd, text: `: ${type}` };
      return one(apply(before, [edit]), [
        `${cls.name}: field '${f.name}' retyped to ${type}; each live value is converted as a live retype converts it, and one that does not fit refuses the whole edit`,
      ]);
    }
  }
}
