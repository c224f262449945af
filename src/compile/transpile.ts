// TypeScript -> JavaScript with a source map, through oxc-transform (ARCHITECTURE.md fact 8: 0.11 ms for
// a 100-line file, 5-50x faster than the alternatives).

import { parseSync } from 'oxc-parser';
import { transformSync } from 'oxc-transform';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';
import { PositionMap } from './position-map.js';
import { codeFrame } from './source-text.js';
import { type DecoratorLowering, LoweringRefusal, withoutTc39Decorators } from './tc39-decorators.js';

/** The source map oxc returns (version 3, `mappings` still encoded). */
export interface RawSourceMap {
  readonly version: number;
  readonly sources: string[];
  readonly names: string[];
  readonly mappings: string;
}

/** Project settings that change what TypeScript compiles to. */
export interface CompileOptions {
  /**
   * tsconfig `useDefineForClassFields: false` (the default below target ES2022): fields declared without
   * an initializer are not defined on instances (so a value a base constructor set survives).
   */
  readonly useDefineForClassFields?: boolean;
  /** tsconfig `strictNullChecks` (on with `strict`): off, a field's type also holds null and undefined. */
  readonly strictNullChecks?: boolean;
  /**
   * tsconfig `experimentalDecorators`: decorators are TypeScript's legacy kind, lowered to `_decorate`
   * calls (and `design:*` metadata with `emitDecoratorMetadata`) that imago runs on the live class.
   */
  readonly experimentalDecorators?: boolean;
  readonly emitDecoratorMetadata?: boolean;
  /** Lowers TC39 decorators (tc39-decorators.ts); supplied by the host. Without it they are refused. */
  readonly lowerDecorators?: DecoratorLowering;
  /** A CommonJS module (module-kind.ts): `require`, `module`, `exports`, `__filename`, `__dirname` are its own. */
  readonly commonjs?: boolean;
}

export type TranspileResult =
  | { readonly ok: true; readonly code: string; readonly map: RawSourceMap | null }
  | { readonly ok: false; readonly errors: Diagnostic[] };

const LANGS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.jsx': 'jsx',
};

/** The oxc language of a file name, by its extension (TypeScript when unknown). */
export function languageOf(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const dot = file.lastIndexOf('.');
  return LANGS[dot < 0 ? '' : file.slice(dot)] ?? 'ts';
}

/** The UTF-16 offset of a UTF-8 byte offset into `source` (oxc-transform reports errors in bytes). */
export function utf16Offset(source: string, byteOffset: number): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range spans ASCII, control characters included
  if (!/[^\x00-\x7f]/.test(source)) return byteOffset;
  const bytes = new TextEncoder().encode(source);
  return new TextDecoder().decode(bytes.subarray(0, Math.min(byteOffset, bytes.length))).length;
}

/**
 * A `using` declaration at the top level of a module, refused: it would dispose of its resource as
 * soon as the module has run (and lowering it wraps the whole module in one block).
 */
function topLevelUsing(file: string, source: string): Diagnostic | null {
  const program = parseSync(file, source, { lang: languageOf(file), sourceType: 'module' }).program as unknown as {
    body: Array<{ type: string; kind?: string; start: number }>;
  };
  const at = program.body.find((s) => s.type === 'VariableDeclaration' && (s.kind === 'using' || s.kind === 'await using'));
  if (!at) return null;
  return diagnosticAt(
    file,
    source,
    at.start,
    `a top-level \`${at.kind}\` would dispose of its resource as soon as the module has run; declare it inside a function, or keep the resource in a binding and release it with import.meta.hot.dispose`,
    'IMAGO_COMPILE',
  );
}

/** Transpiles one module. `file` is used for messages only. */
export function transpile(file: string, source: string, options: CompileOptions = {}): TranspileResult {
  const lang = languageOf(file);
  const typescript = options.useDefineForClassFields === false ? { removeClassFieldsWithoutInitializer: true } : {};
  // Node 20 is the floor: what it lacks is lowered (`using` declarations, legacy decorators), with helpers
  // imported from @oxc-project/runtime, which imago brings. Nothing else changes (checked over imago's own sources).
  const decorator = options.experimentalDecorators ? { decorator: { legacy: true, emitDecoratorMetadata: options.emitDecoratorMetadata === true } } : {};
  const result = transformSync(file, source, { lang, sourceType: 'module', sourcemap: true, typescript, target: 'node20', ...decorator });
  const errors = result.errors.filter((e) => e.severity === 'Error');
  if (errors.length > 0) {
    return {
      ok: false,
      errors: errors.map((e) =>
        diagnosticAt(file, source, utf16Offset(source, e.labels[0]?.start ?? 0), e.helpMessage ? `${e.message} (${e.helpMessage})` : e.message, 'IMAGO_PARSE'),
      ),
    };
  }
  const topUsing = result.code.includes('_usingCtx') ? topLevelUsing(file, source) : null;
  if (topUsing) return { ok: false, errors: [topUsing] };
  const map = result.map ? { version: result.map.version, sources: result.map.sources, names: result.map.names, mappings: result.map.mappings } : null;
  // TC39 decorators and `accessor` fields (legacy decorators are lowered by oxc above).
  if (!options.lowerDecorators) return { ok: true, code: result.code, map };
  try {
    const lowered = withoutTc39Decorators(file, result.code, map, options.lowerDecorators);
    return { ok: true, code: lowered?.code ?? result.code, map: lowered ? lowered.map : map };
  } catch (e: unknown) {
    if (e instanceof LoweringRefusal) {
      const pos = new PositionMap('', [], result.code, map).sourceOfJs(e.jsOffset);
      return {
        ok: false,
        errors: [{ file, line: pos.line, column: pos.column, message: e.message, code: 'IMAGO_COMPILE', frame: codeFrame(source, pos.line, pos.column) }],
      };
    }
    return {
      ok: false,
      errors: [
        diagnosticAt(file, source, 0, `imago could not lower the decorators of this file: ${e instanceof Error ? e.message : String(e)}`, 'IMAGO_COMPILE'),
      ],
    };
  }
}
