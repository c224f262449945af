// `imago image info FILE`: what an image file holds, read from its header alone (nothing in it runs).

import path from 'node:path';
import { IMAGE_FORMAT, readImageFile } from '../host/image-file.js';
import { headerProblem, type StateHeader } from '../host/image-saver.js';
import type { SavedKey } from '../image/state-format.js';
import { plural } from '../runtime/words.js';

const size = (n: number): string => (n < 1e3 ? `${n} bytes` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);
const keyName = (k: SavedKey): string => (typeof k === 'string' ? k : k.private.slice(k.private.indexOf('#')));

/** Prints the file's contents on stdout and returns 0, or says what is wrong on stderr and returns 1. */
export async function imageInfo(fileArg: string): Promise<number> {
  const file = path.resolve(fileArg);
  const read = await readImageFile(file);
  if (!read.ok) {
    process.stderr.write(`imago: ${read.problem.replace(file, fileArg)}\n`);
    return 1;
  }
  const problem = headerProblem(fileArg, read.header);
  if (problem) {
    process.stderr.write(`imago: ${problem}\n`);
    return 1;
  }
  const { state, entry, savedAt, imago } = read.header as StateHeader;
  const out: string[] = [];
  out.push(`${fileArg}: imago image, file format ${IMAGE_FORMAT}, state format ${state.format}, ${size(read.bytes)}`);
  out.push(`saved ${savedAt} by imago ${imago} from ${entry}`);
  out.push(`${plural(state.objects, 'object')} reachable from the saved bindings`);
  out.push(`modules (${state.modules.length}):`);
  for (const m of state.modules) out.push(`  ${m.module}: ${m.bindings.map((b) => b.name).join(', ') || '(no saved bindings)'}`);
  out.push(`classes (${state.classes.length}):`);
  for (const c of state.classes) {
    const parent = c.parent >= 0 ? ` extends ${state.classes[c.parent]?.name ?? '?'}` : '';
    const fields = c.fields.map((f) => `${f.name}${f.typeText ? `: ${f.typeText}` : ''}${f.transient ? ' (@transient)' : ''}`).join(', ');
    out.push(`  ${c.name}${parent} (${c.module}): ${plural(c.instances, 'instance')}, layout version ${c.layoutVersion}; fields { ${fields} }`);
  }
  const shapes = state.shapes.filter((s) => s.proto >= 0);
  const expandos = shapes.filter((s) => {
    const declared = new Set<string>();
    for (let c = state.classes[s.proto]; c; c = c.parent >= 0 ? state.classes[c.parent] : undefined) for (const f of c.fields) declared.add(f.name);
    return s.keys.some((k) => !declared.has(keyName(k)));
  });
  if (expandos.length > 0) out.push(`  (${plural(expandos.length, 'group')} of instances also hold undeclared properties)`);
  out.push(`stores (${state.stores.length}):`);
  for (const s of state.stores) {
    const cls = state.classes[s.class];
    const columns = s.meta.fields.map((f) => `${f.name}: ${f.kind === 'value' ? f.type || 'value' : f.kind}`).join(', ');
    out.push(
      `  ${s.name ?? `Store<${s.meta.class}>`} of ${cls?.name ?? s.meta.class} (${cls?.module ?? '?'}): ${plural(s.meta.size, 'row')}, ${s.meta.layout}; columns { ${columns} }`,
    );
  }
  if (state.enums.length > 0) out.push(`enums: ${state.enums.map((e) => `${e.name} (${e.module})`).join(', ')}`);
  if (state.skipped.length > 0) {
    out.push(`not saved (${state.skipped.length}; initialized again on resume):`);
    for (const s of state.skipped) out.push(`  ${s.module}: ${s.path} is ${s.what}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
