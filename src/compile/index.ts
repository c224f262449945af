export { type CompileResult, compileModule } from './compile-module.js';
export * from './compiled-module.js';
export { type Diagnostic, diagnosticAt, formatDiagnostic } from './diagnostic.js';
export { PositionMap } from './position-map.js';
export { codeFrame, type SourcePosition } from './source-text.js';
export type { CompileOptions } from './transpile.js';
