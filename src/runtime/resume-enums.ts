// Enums on resume: values saved in class fields declared with an enum's type follow the enum's current
// numbering, by member name; a saved value whose member is gone refuses the resume (docs/images.md).

import type { Diagnostic } from '../compile/diagnostic.js';
import type { SavedEnum } from '../image/state-format.js';
import type { ClassIdentity } from './class-identity.js';
import { ChangeRejection } from './errors.js';
import { type ModuleRecord, privateKey } from './module-record.js';
import { enumMembers } from './save-state.js';
import { plural } from './words.js';

/** A refused resume: a rejection of the load, in phase resume, naming the image file. */
export const failure = (file: string, message: string): ChangeRejection =>
  new ChangeRejection('resume', [{ file, line: 1, column: 1, code: 'IMAGO_RESUME', message } satisfies Diagnostic]);

/** Gives the values of field `e.field` saved under an enum's old numbering its current numbering, by member name. */
export function renumber(
  file: string,
  e: { readonly saved: SavedEnum; readonly identity: ClassIdentity; readonly record: ModuleRecord; readonly field: string },
  now: unknown,
  objects: readonly object[],
): void {
  const current = enumMembers(now);
  const map = new Map<unknown, unknown>();
  const missing = new Map<unknown, string>();
  for (const [member, value] of Object.entries(e.saved.members)) {
    if (!Object.hasOwn(current, member)) missing.set(value, member);
    else if (current[member] !== value) map.set(value, current[member]);
  }
  if (map.size === 0 && missing.size === 0) return;
  const renamed = e.identity.fields.find((f) => f.renamedFrom === e.field)?.name;
  const keyOf = (name: string): string | symbol => (name.startsWith('#') ? privateKey(e.record, `${e.identity.name}${name}`) : name);
  const savedKey = keyOf(e.field);
  const lost = new Map<string, number>();
  for (const o of objects) {
    const key = Object.hasOwn(o, savedKey) ? savedKey : renamed ? keyOf(renamed) : null;
    if (key === null) continue;
    const v = (o as Record<string | symbol, unknown>)[key];
    if (map.has(v)) (o as Record<string | symbol, unknown>)[key] = map.get(v);
    else if (missing.has(v)) lost.set(missing.get(v)!, (lost.get(missing.get(v)!) ?? 0) + 1);
  }
  if (lost.size > 0) {
    const list = [...lost].map(([member, n]) => `${e.saved.name}.${member} (${plural(n, 'object')})`).join(', ');
    throw failure(
      file,
      `${e.record.rel}: ${e.identity.name}.${e.field} holds ${list} in the image, and enum ${e.saved.name} has no such member now; add the member back (the image is left as it was), or start with --fresh`,
    );
  }
}
