// Which project file declares a top-level name: `imago deps Critter.hp` names no module, and a module may
// name a class it imports (`src/world.ts:Soldier.hp`). Read from the files with oxc, as typed.

import fs from 'node:fs';
import path from 'node:path';
import { child, nameOf } from '../../compile/ast.js';
import { resolveSpecifier } from './imports.js';
import { projectFiles } from './plan.js';
import { type Declared, topLevel } from './rename.js';

const declaresIt = (file: string, name: string): boolean => {
  try {
    const d = topLevel(fs.readFileSync(file, 'utf8'), file, file).get(name);
    return d !== undefined && !d.node.type.startsWith('Import');
  } catch {
    return false;
  }
};

/**
 * The file declaring top-level `name`: `module` itself, the module it imports the name from (through
 * imports and re-exports of the same name), or with no module the one project file that declares it.
 * A string says why none.
 */
export function declaringFile(root: string, name: string, module: string | undefined): { file: string; name: string } | string {
  if (module !== undefined) {
    let file = path.resolve(root, module);
    let want = name;
    for (let hops = 0; hops < 10 && fs.existsSync(file); hops++) {
      let d: Declared | undefined;
      try {
        d = topLevel(fs.readFileSync(file, 'utf8'), file, file).get(want);
      } catch {
        break;
      }
      const next = d?.node.type === 'ImportSpecifier' ? resolveSpecifier(file, String(child(d.statement, 'source')?.['value'])) : null;
      if (!d || !next) break;
      want = nameOf(child(d.node, 'imported')) ?? want;
      file = next;
    }
    return { file, name: want };
  }
  const hits = projectFiles(root).filter((f) => fs.readFileSync(f, 'utf8').includes(name) && declaresIt(f, name));
  if (hits.length === 1) return { file: hits[0]!, name };
  if (hits.length === 0) return `no project file declares a top-level '${name}'`;
  return `several files declare a top-level '${name}' (${hits.map((f) => path.relative(root, f)).join(', ')}): name the module, '<module>:${name}'`;
}
