// Per-version layers (ARCHITECTURE.md fact 1). A module's call object keeps its identity; its fixed
// prototype `pin` points at the current version's layer of functions. Swapping the layer (not patching
// properties in place) keeps every call site at full speed after any number of swaps, provided the new
// layer is turned into a fast-mode prototype at once.

/**
 * Makes a freshly installed prototype layer fast: a property-load IC through a throwaway receiver whose
 * prototype is `layer` runs V8's MakePrototypesFast. The IC needs a feedback vector, which V8 allocates
 * after a few calls, hence ~50 calls (evidence/v8/e1_harness.js `toFast`; without it: 14x slower calls).
 */
export function makeFast(layer: object): void {
  const receiver = Object.create(layer) as { __imago_probe__?: unknown };
  let sink = 0;
  for (let i = 0; i < 50; i++) if (typeof receiver.__imago_probe__ === 'undefined') sink++;
  if (sink < 0) throw new Error('unreachable');
}

/** Points `pin` at `layer` and makes the layer fast. */
export function installLayer(pin: object, layer: object): void {
  Object.setPrototypeOf(pin, layer);
  makeFast(layer);
}

/** The chain every module uses for its calls: `calls -> pin -> layer_vN`. */
export interface LayerChain {
  readonly calls: Record<string, unknown>;
  readonly pin: object;
}

export function createLayerChain(): LayerChain {
  const pin = Object.create(Object.prototype) as object;
  const calls = Object.create(pin) as Record<string, unknown>;
  return { calls, pin };
}
