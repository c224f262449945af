// Types for `import.meta.hot` in programs run by imago. Add "imago/hot" to "types" in tsconfig.json.
import type { HotContext } from '../dist/src/runtime/hot.js';

declare global {
  interface ImportMeta {
    /** imago's hot-swap API (docs/semantics.md, "import.meta.hot"). */
    readonly hot: HotContext;
  }
}

export {};
