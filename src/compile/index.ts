export { compileModule, type CompileResult } from './compile-module.js';
export * from './compiled-module.js';
export { formatDiagnostic, diagnosticAt, type Diagnostic } from './diagnostic.js';
export { codeFrame, type SourcePosition } from './source-text.js';
export { PositionMap } from './position-map.js';
export type { CompileOptions } from './transpile.js';
