// Types for `import.meta.hot` in programs run by imago (docs/semantics.md, "import.meta.hot").
// imago adds this file to the programs it type-checks; in your editor, add "imago/hot" to "types".

interface ImagoHotContext {
  /** Kept for the life of the module. */
  readonly data: Record<string, unknown>;
  /** `cb(data)` runs when the statement that registered it runs again or is removed, or the module is unloaded. */
  dispose(cb: (data: Record<string, unknown>) => void): void;
  /** `cb(data)` runs when the module leaves the program. */
  prune(cb: (data: Record<string, unknown>) => void): void;
  /** Nothing to do: every module accepts its own updates. */
  accept(): void;
  /** `cb(module)` after every change that updated this module. */
  accept(cb: (module: Record<string, unknown>) => void): void;
  /** `cb(module)` after a change updated the dependency `dep`. */
  accept(dep: string, cb: (module: Record<string, unknown> | null) => void): void;
  /** `cb(modules)` after a change updated any of `deps`. */
  accept(deps: readonly string[], cb: (modules: Array<Record<string, unknown> | null>) => void): void;
  /** Says on stderr that imago keeps running; edit the file instead. */
  invalidate(message?: string): void;
}

interface ImportMeta {
  readonly hot: ImagoHotContext;
}
