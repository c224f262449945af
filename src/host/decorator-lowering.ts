// TC39 decorators lowered by SWC (@swc/core, decorator version 2023-11), for the few files that use
// them: oxc, which compiles everything else, does not lower this kind. SWC is loaded on the first such
// file (40 ms and 16 MB that a program without TC39 decorators never pays).

import { createRequire } from 'node:module';
import type { DecoratorLowering } from '../compile/tc39-decorators.js';

const require = createRequire(import.meta.url);
let swc: typeof import('@swc/core') | null = null;

/** Lowers the decorators of `js` (JavaScript, as oxc printed it); the map points into `js`. */
export const lowerDecorators: DecoratorLowering = (js, filename) => {
  swc ??= require('@swc/core') as typeof import('@swc/core');
  let out: ReturnType<typeof swc.transformSync>;
  try {
    out = transform(swc, js, filename);
  } catch (e: unknown) {
    // SWC's message: the reason on its first line, then a frame of the JavaScript and a native backtrace.
    const first = String(e instanceof Error ? e.message : e)
      .split('\n')
      .map((l) => l.replace(/^\s*x\s+/, '').trim())
      .find((l) => l.length > 0);
    throw new Error(`SWC: ${first ?? 'failed'}`);
  }
  if (!out.map) throw new Error('SWC returned no source map');
  return { code: out.code, map: JSON.parse(out.map) as ReturnType<DecoratorLowering>['map'] };
};

function transform(swc: typeof import('@swc/core'), js: string, filename: string): ReturnType<typeof swc.transformSync> {
  return swc.transformSync(js, {
    filename,
    sourceMaps: true,
    isModule: true,
    swcrc: false,
    configFile: false,
    jsc: {
      parser: { syntax: 'ecmascript', decorators: true, autoAccessors: true },
      transform: { decoratorVersion: '2023-11', useDefineForClassFields: true },
      // Only the decorators are lowered: Node 20 runs everything else in the output as it is.
      target: 'es2022',
      // Helpers imported from @swc/helpers (imago's own): a frame inside one shows as that file, not as a
      // line past the end of the program's.
      externalHelpers: true,
    },
  });
}
