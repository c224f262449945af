export { ImagoError, type ImagoErrorCode } from './errors.js';
export type { ChangeSummary, ImageEvent, Phase } from './events.js';
export { assertNever } from './events.js';
export type { CompiledFunction, Host, Paths, Timers } from './host.js';
export type { HotContext } from './hot.js';
export { type ChangeResult, Image, type ImageOptions } from './image.js';
export { makeFast } from './layer.js';
export { Lifecycle, type LifecycleHook, type LifecycleOptions } from './lifecycle.js';
