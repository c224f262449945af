// Imports that cannot be resolved or linked: a file or package that is not there, a name a module does
// not export, cycles introduced, circular re-exports. Refused with the importing file and the place.

import { appended, type CorpusCase, replaced } from './project.js';

const refused = (phase: string, file: string, says: RegExp): CorpusCase['expect'] => ({ ok: false, phase, file, says });

export const cases: CorpusCase[] = [
  { name: 'imports: a file that is not there', category: 'imports', edit: appended('logic.ts', "import { nope } from './nope.ts';\nvoid nope;\n"), expect: refused('resolve', 'logic.ts', /nope\.ts/) },
  { name: 'imports: a package that is not installed', category: 'imports', edit: appended('logic.ts', "import pkg from 'no-such-package-anywhere';\nvoid pkg;\n"), expect: refused('resolve', 'logic.ts', /no-such-package-anywhere/) },
  { name: 'imports: a Node built-in that does not exist', category: 'imports', edit: appended('logic.ts', "import nope from 'node:no-such-builtin';\nvoid nope;\n"), expect: refused('resolve', 'logic.ts', /no-such-builtin/) },
  { name: 'imports: a folder', category: 'imports', edit: appended('logic.ts', "import './util';\n"), expect: refused('resolve', 'logic.ts', /util/) },
  { name: 'imports: a file without its extension', category: 'imports', edit: appended('logic.ts', "import { deep as d2 } from './util/deep';\nvoid d2;\n"), expect: refused('typecheck', 'logic.ts', /TS2835|deep/) },
  { name: 'imports: a .js name for a .ts file that is not there', category: 'imports', edit: appended('logic.ts', "import { x } from './missing.js';\nvoid x;\n"), expect: refused('resolve', 'logic.ts', /missing\.js/) },
  { name: 'imports: a name a module does not export', category: 'imports', edit: appended('logic.ts', "import { notExported } from './util/deep.ts';\nvoid notExported;\n"), expect: refused('link', 'logic.ts', /notExported/) },
  { name: 'imports: a default import of a module without one', category: 'imports', edit: appended('logic.ts', "import deepDefault from './util/deep.ts';\nvoid deepDefault;\n"), expect: refused('link', 'logic.ts', /default/) },
  { name: 'imports: a type-only import used as a value', category: 'imports', edit: appended('logic.ts', "import type { Player } from './model.ts';\nexport const made = new Player('x');\n"), expect: refused('typecheck', 'logic.ts', /TS1361/) },
  { name: 'imports: a new file that does not parse', category: 'imports', edit: { 'extra.ts': 'export const = ;\n', ...appended('logic.ts', "import './extra.ts';\n") }, expect: refused('parse', 'extra.ts', /./) },
  { name: 'imports: a new file with a type error', category: 'imports', edit: { 'extra.ts': "export const n: number = 'x';\n", ...appended('logic.ts', "import './extra.ts';\n") }, expect: refused('typecheck', 'extra.ts', /TS2322/) },
  { name: 'imports: a new file importing what is not there', category: 'imports', edit: { 'extra.ts': "import './gone-too.ts';\n", ...appended('logic.ts', "import './extra.ts';\n") }, expect: refused('resolve', 'extra.ts', /gone-too/) },
  {
    name: 'imports: a circular re-export of one name',
    category: 'imports',
    edit: { 'ra.ts': "export { loop } from './rb.ts';\n", 'rb.ts': "export { loop } from './ra.ts';\n", ...appended('logic.ts', "import { loop } from './ra.ts';\nvoid loop;\n") },
    expect: refused('typecheck', 'ra.ts', /TS2303|circular/i),
  },
  {
    name: 'imports: an ambiguous star re-export',
    category: 'imports',
    edit: {
      'sa.ts': 'export const same = 1;\n',
      'sb.ts': 'export const same = 2;\n',
      'sc.ts': "export * from './sa.ts';\nexport * from './sb.ts';\n",
      ...appended('logic.ts', "import { same } from './sc.ts';\nvoid same;\n"),
    },
    expect: refused('typecheck', 'sc.ts', /TS2308/),
  },
  {
    name: 'imports: a cycle whose top level reads a binding not yet made',
    category: 'imports',
    edit: { 'ca.ts': "import { cb } from './cb.ts';\nexport const ca: number = cb + 1;\n", 'cb.ts': "import { ca } from './ca.ts';\nexport const cb: number = ca + 1;\n", ...appended('logic.ts', "import { ca } from './ca.ts';\nvoid ca;\n") },
    expect: refused('evaluate', 'cb.ts', /Cannot access 'ca' before initialization/),
  },
  {
    name: 'imports: a cycle introduced, used only inside functions, is applied',
    category: 'imports',
    edit: appended('logic.ts', "import { snapshot } from './state.ts';\nexport function again(): object {\n  return snapshot();\n}\n"),
    expect: { ok: true },
  },
  {
    // Applied: the module it reads is live. A fresh start would evaluate logic.ts before state.ts and
    // fail (docs/reliability.md, known limits).
    name: 'imports: a cycle introduced whose top level reads the other, live, module',
    category: 'imports',
    edit: appended('logic.ts', "import { snapshot } from './state.ts';\nexport const early = snapshot();\n"),
    expect: { ok: true },
  },
  { name: 'imports: a JSON file without its import attribute', category: 'imports', edit: { 'data.json': '{ "a": 1 }\n', ...appended('logic.ts', "import data from './data.json';\nvoid data;\n") }, expect: refused('typecheck', 'logic.ts', /TS1543|TS2732|attribute/) },
  { name: 'imports: a JSON file that is not JSON', category: 'imports', edit: { 'data.json': '{ a: 1,, }\n', ...appended('logic.ts', "import data from './data.json' with { type: 'json' };\nvoid data;\n") }, expect: refused('parse', 'data.json', /./) },
  { name: 'imports: a re-export of a name that is not there', category: 'imports', edit: appended('logic.ts', "export { nothing } from './util/deep.ts';\n"), expect: refused('link', 'logic.ts', /nothing/) },
  { name: 'imports: the entry imports a file that is not there', category: 'imports', edit: appended('main.ts', "import './missing-entry-import.ts';\n"), expect: refused('resolve', 'main.ts', /missing-entry-import/) },
  { name: 'imports: a nested file imports upward past the root', category: 'imports', edit: replaced('util/deep.ts', "'../logic.ts'", "'../../logic.ts'"), expect: refused('resolve', 'util/deep.ts', /logic/) },
];
