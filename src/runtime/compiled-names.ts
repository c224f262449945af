// The names code is compiled under (what stack frames show), owned here: `/abs/main.ts?v3` for version
// 3 of a module (mapped back to the TypeScript source), and imago's own generated code (a class's
// stable constructor `?class=Name`, trampolines, export views and import links), hidden from the
// program's stack traces like imago's own files.

/** The kinds of generated code besides module versions. */
export type GeneratedKind = 'class' | 'trampolines' | 'exports' | 'imports' | 'image';

export type CompiledName =
  | { readonly kind: 'version'; readonly id: string; readonly version: number; readonly late: boolean }
  | { readonly kind: 'generated'; readonly id: string; readonly part: GeneratedKind };

/** The name version `n` of module `id` is compiled under. */
export function versionName(id: string, n: number): string {
  return `${id}?v${n}`;
}

/** The name the late bodies of version `n`'s closure sites are compiled under (mapped like the version). */
export function lateName(id: string, n: number): string {
  return `${id}?v${n}.late`;
}

/** The name a class's stable constructor is compiled under. */
export function classConstructorName(id: string, className: string): string {
  return `${id}?class=${className}`;
}

/** The name of a module's trampolines, export view accessors or import links (or the entry's image-file decoders). */
export function generatedName(id: string, part: Exclude<GeneratedKind, 'class'>): string {
  return `${id}?${part}`;
}

const VERSION = /^(.*)\?v(\d+)(\.late)?$/;
const GENERATED = /^(.*)\?(class=.*|trampolines|exports|imports|image)$/;

/** What a compiled name names, or null for any other file. */
export function parseCompiledName(filename: string): CompiledName | null {
  const v = VERSION.exec(filename);
  if (v) return { kind: 'version', id: v[1]!, version: Number(v[2]), late: v[3] !== undefined };
  const g = GENERATED.exec(filename);
  if (g) return { kind: 'generated', id: g[1]!, part: g[2]!.startsWith('class=') ? 'class' : (g[2] as GeneratedKind) };
  return null;
}

/** `file:line:column` references in a stack trace, compiled names included. */
export const STACK_LOCATION = /(\/[^\s():]+?(?:\?(?:v\d+(?:\.late)?|class=[^\s():]*|trampolines|exports|imports))?):(\d+):(\d+)/g;

/**
 * A message or frame without imago's compiled names: `__imago_S.tick is not a function` reads
 * `tick is not a function`, `(0 , __imago_env.who)` reads `who`.
 */
export function withoutCompiledNames(text: string): string {
  return text.replace(/\(0 , __imago_env\.([\w$]+)\)/g, '$1').replace(/\b__imago_[A-Za-z]+\.(?=[\w$#])/g, '');
}
