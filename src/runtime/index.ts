export { Image, type ImageOptions, type ChangeResult } from './image.js';
export type { Host, Timers, Paths, CompiledFunction } from './host.js';
export type { ImageEvent, ChangeSummary, Phase } from './events.js';
export { assertNever } from './events.js';
export { ImagoError, type ImagoErrorCode } from './errors.js';
export type { HotContext } from './hot.js';
export { makeFast } from './layer.js';
export { Lifecycle, type LifecycleOptions, type LifecycleHook } from './lifecycle.js';
