// How the migrations see the classes of an image: by stable prototype, a type name as a module sees
// it, and a class's `migrateInstance` hook.

import type { ClassInfo } from '../compile/compiled-module.js';
import type { ClassIdentity } from './class-identity.js';
import type { ModuleRecord } from './module-record.js';

export type MigrationHook = (instance: object, old: object, fromVersion: number) => void;

/** The class's `static migrateInstance`, when the installed version declares one. */
export function hookOf(identity: ClassIdentity, info: ClassInfo): MigrationHook | null {
  const value =
    Object.hasOwn(identity.impl, 'migrateInstance') && info.migrateHook ? (identity.impl as unknown as Record<string, unknown>)['migrateInstance'] : null;
  return typeof value === 'function' ? (value as MigrationHook) : null;
}

/** What a type name in `record` names at run time: its class, an imported binding, or a global. */
export function lookupIn(record: ModuleRecord, name: string): unknown {
  const local = record.classes.get(name);
  if (local) return local.constructor;
  if (Object.hasOwn(record.links, name)) return record.links[name];
  return (globalThis as Record<string, unknown>)[name];
}
