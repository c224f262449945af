// `import.meta.hot` for `tsc -w` (bench/peers runs node --watch on its output); imago brings its own types.
interface ImportMeta {
  readonly hot?: { accept(): void; dispose(cb: () => void): void };
}
