// Modules that are not the project's (packages, `node:` builtins): loaded once through the host and never
// swapped. `imago/store` is the image's own store API, so each image's program has its own stores.

import type { ImageContext } from './context.js';
import { IMAGO_IMAGE, IMAGO_STORE } from './resolve.js';

/** The namespace of platform module `specifier` as `fromFile` imports it (loaded on first use). */
export async function loadPlatform(
  ctx: Pick<ImageContext, 'host' | 'platform' | 'storeApi' | 'imageApi'>,
  specifier: string,
  fromFile: string,
): Promise<object> {
  if (specifier === IMAGO_STORE) return ctx.storeApi;
  if (specifier === IMAGO_IMAGE) return ctx.imageApi;
  const key = `${ctx.host.paths.dirname(fromFile)}\0${specifier}`;
  const known = ctx.platform.get(key);
  if (known) return known;
  const namespace = await ctx.host.importPlatform(specifier, fromFile);
  ctx.platform.set(key, namespace);
  return namespace;
}
