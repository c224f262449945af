// The project every case of the corpus starts from, and what a case is. The program prints a tick line
// every 25 ms: `tick <gen> <state as JSON>`; gen.ts holds the generation, bumped by the good edit that
// ends each case. The state holds what a rejected change must leave as it was: live instances of a
// class, rows of a handle store, module state computed at start, and what functions of every file give.

/** A file's path (relative to the project) and text; null deletes. */
export type Files = Record<string, string | null>;

/** One step of an edit, as an editor or a tool does it. */
export type Step =
  | { readonly write: Files }
  /** Truncates the file, then writes `text` after `pauseMs` (a half-written save). */
  | { readonly halfWrite: string; readonly text: string; readonly pauseMs: number; readonly cut?: number }
  | { readonly mkdir: string }
  | { readonly symlink: string; readonly to: string }
  | { readonly rename: string; readonly to: string }
  | { readonly chmod: string; readonly mode: number }
  /** Bytes written to the file; `atomic`: to a temp file renamed over it (one event, never half of it). */
  | { readonly bytes: string; readonly data: Uint8Array; readonly atomic?: boolean };

export interface Rejected {
  readonly ok: false;
  /** The phase that refused it (parse, resolve, link, typecheck, run, migrate, read). */
  readonly phase: string;
  /** The file the first error names. */
  readonly file: string;
  /** Matches the errors' messages and codes, as JSON. */
  readonly says: RegExp;
  /** No line of the program's output after the rejection matches it (a timer the refused change made). */
  readonly quiet?: RegExp;
}

/** Nothing to apply: no reload event comes; imago's stderr says `notice` when given. */
export interface Nothing {
  readonly none: true;
  readonly notice?: RegExp;
}

export interface Applied {
  readonly ok: true;
  /** The tick line after it (the state as JSON), when the case says what it must hold. */
  readonly state?: RegExp;
}

export interface CorpusCase {
  readonly name: string;
  readonly category: string;
  /** The edit: files written (the common case) or steps. */
  readonly edit: Files | readonly Step[];
  /**
   * What must hold. `settles`: the edit passes through states that may be rejected on the way (a
   * half-written save) and ends applied.
   */
  readonly expect: Rejected | Applied | Nothing | { readonly settles: true };
  /** Runs in a project of its own (it changes what the others rely on: tsconfig.json, package.json). */
  readonly alone?: boolean;
}

export const BASE: Readonly<Record<string, string>> = {
  'package.json': '{ "type": "module", "private": true }\n',
  'tsconfig.json':
    '{\n  "compilerOptions": {\n    "strict": true,\n    "target": "es2022",\n    "module": "nodenext",\n    "allowImportingTsExtensions": true,\n    "noEmit": true\n  }\n}\n',
  'gen.ts': 'export const gen: number = 0;\n',
  'main.ts':
    "import { gen } from './gen.ts';\nimport { snapshot } from './state.ts';\n\nsetInterval(() => console.log(`tick ${gen} ${JSON.stringify(snapshot())}`), 25);\n",
  'state.ts': `import { label, score } from './logic.ts';
import { roster } from './model.ts';
import { rows } from './units.ts';
import { deep } from './util/deep.ts';

const config: Config = { speed: 2, mode: 'run' };
let total = 0;
for (const p of roster) total += p.hp;

export function snapshot(): object {
  return { total, config, label: label(), score: score(3), deep: deep(), players: roster.map((p) => ({ ...p })), units: rows() };
}
`,
  'logic.ts': `export function score(n: number): number {
  return n * 10;
}

export function label(): string {
  return 'base';
}
`,
  'model.ts': `export class Player {
  hp = 10;
  name: string;
  constructor(name: string) {
    this.name = name;
  }
}

export const roster = [new Player('ann'), new Player('bob')];
`,
  'units.ts': `import { createStore, type i32 } from 'imago/store';

export class Unit {
  hp: i32 = 5;
  tag = 'u';
}

export const units = createStore(Unit, { name: 'units' });
const made = [units.add({ hp: 7 }), units.add({ tag: 'v' })];

export function rows(): string[] {
  return made.map((h) => \`\${units.get(h, 'tag')}:\${units.get(h, 'hp')}\`);
}
`,
  'types.d.ts': "interface Config {\n  speed: number;\n  mode: 'run' | 'walk';\n}\n",
  'util/deep.ts': "import { score } from '../logic.ts';\n\nexport function deep(): string {\n  return `deep${score(1)}`;\n}\n",
};

/** gen.ts at generation `n`. */
export const genFile = (n: number): string => `export const gen: number = ${n};\n`;

/** The base text of `rel` with `from` replaced by `to` (the replacement must be there). */
export function replaced(rel: string, from: string, to: string): Files {
  const text = BASE[rel];
  if (text === undefined || !text.includes(from)) throw new Error(`corpus: ${rel} has no ${JSON.stringify(from)}`);
  return { [rel]: text.replace(from, to) };
}

/** The base text of `rel` with `text` added at its end. */
export const appended = (rel: string, text: string): Files => ({ [rel]: `${BASE[rel]}${text}` });
