// Names the emitted code uses for the module's records, and how it spells property accesses.

import { MODULE_PARAMS } from './compiled-module.js';

export const S = MODULE_PARAMS[0];
export const M = MODULE_PARAMS[1];
export const T = MODULE_PARAMS[2];
export const L = MODULE_PARAMS[3];
export const RT = MODULE_PARAMS[4];
export const META = MODULE_PARAMS[5];
/** The class a lowered decorator call is run with: a version of it (members) or its stable self (class decorators). */
export const DECORATED = '__imago_C';
/** A JavaScript identifier (ASCII). */
export const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `obj.name`, or `obj["name"]` where the name is not an identifier. */
export function member(obj: string, name: string): string {
  return IDENT.test(name) ? `${obj}.${name}` : `${obj}[${JSON.stringify(name)}]`;
}
