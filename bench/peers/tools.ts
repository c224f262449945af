// The tools the peer benchmark runs the sample program under, each started the way its docs say.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from './session.js';

export interface Places {
  /** The imago checkout being measured. */
  readonly repo: string;
  /** bench/peers: its node_modules holds every other tool. */
  readonly peers: string;
  /** Where each run's copy of the sample goes (bench/peers/.work unless --work says otherwise). */
  readonly work: string;
}

export interface Tool {
  /** What `--tools` calls it. */
  readonly id: string;
  readonly name: string;
  /** hot: the program's process lives on through edits; restart: each edit starts the program again. */
  readonly kind: 'hot' | 'restart';
  /** The npm packages whose versions the report lists. */
  readonly packages: readonly string[];
  /**
   * Where the tool's docs ask for `import.meta.hot?.accept()`: in the edited leaf (dynohot: its bindings
   * are live, so importers see the new exports), or in the entry (Vite: importers keep old bindings,
   * so the whole graph runs again). The driver adds that one line to the sample for this tool only.
   */
  readonly accept?: 'leaf' | 'entry';
  /** Files the tool needs, relative to `peers` (or absolute): missing ones skip the tool with a reason. */
  readonly needs: readonly string[];
  /** Run once in the work folder before the tool starts (tsc's first build). */
  readonly prepare?: (places: Places) => Command;
  readonly commands: (places: Places) => readonly Command[];
}

const bin = (places: Places, name: string): string => path.join(places.peers, 'node_modules', '.bin', name);
const program = (file: string, ...args: string[]): Command => ({ file, args, program: true });
const imago = (places: Places, ...flags: string[]): Command => program(process.execPath, path.join(places.repo, 'bin', 'imago.js'), 'run', ...flags, 'main.ts');
const tscOf = (places: Places): string => path.join(places.peers, 'node_modules', 'typescript', 'bin', 'tsc');

export const TOOLS: readonly Tool[] = [
  {
    id: 'imago',
    name: 'imago',
    kind: 'hot',
    packages: [],
    needs: [],
    commands: (p) => [imago(p)],
  },
  {
    id: 'imago-unchecked',
    name: 'imago --typecheck=off',
    kind: 'hot',
    packages: [],
    needs: [],
    commands: (p) => [imago(p, '--typecheck=off')],
  },
  {
    id: 'node-tsx',
    name: 'node --watch (tsx loader)',
    kind: 'restart',
    packages: ['tsx'],
    needs: ['node_modules/tsx/package.json'],
    commands: () => [program(process.execPath, '--watch', '--import', 'tsx', 'main.ts')],
  },
  {
    id: 'node-tsc',
    name: 'node --watch (tsc -w output)',
    kind: 'restart',
    packages: ['typescript'],
    needs: ['node_modules/typescript/bin/tsc'],
    prepare: (p) => ({ file: process.execPath, args: [tscOf(p), '-p', 'tsconfig.tsc.json'], program: false }),
    commands: (p) => [
      { file: process.execPath, args: [tscOf(p), '-w', '-p', 'tsconfig.tsc.json', '--preserveWatchOutput'], program: false },
      program(process.execPath, '--watch', 'out/main.js'),
    ],
  },
  {
    id: 'tsx',
    name: 'tsx watch',
    kind: 'restart',
    packages: ['tsx'],
    needs: ['node_modules/.bin/tsx'],
    commands: (p) => [program(bin(p, 'tsx'), 'watch', 'main.ts')],
  },
  {
    id: 'nodemon',
    name: 'nodemon + tsx',
    kind: 'restart',
    packages: ['nodemon', 'tsx'],
    needs: ['node_modules/.bin/nodemon', 'node_modules/.bin/tsx'],
    commands: (p) => [program(bin(p, 'nodemon'), '--ext', 'ts', '--exec', bin(p, 'tsx'), 'main.ts')],
  },
  {
    id: 'bun',
    name: 'bun --hot',
    kind: 'hot',
    packages: ['bun'],
    needs: ['node_modules/.bin/bun'],
    commands: (p) => [program(bin(p, 'bun'), '--hot', 'main.ts')],
  },
  {
    id: 'deno',
    name: 'deno --watch-hmr',
    kind: 'hot',
    packages: ['deno'],
    needs: ['node_modules/.bin/deno'],
    commands: (p) => [program(bin(p, 'deno'), 'run', '--watch-hmr', '--allow-all', 'main.ts')],
  },
  {
    id: 'vite-node',
    name: 'vite-node --watch',
    kind: 'hot',
    packages: ['vite-node', 'vite'],
    accept: 'entry',
    needs: ['node_modules/.bin/vite-node'],
    commands: (p) => [program(bin(p, 'vite-node'), '--watch', 'main.ts')],
  },
  {
    id: 'vite-runner',
    name: 'Vite module runner (HMR)',
    kind: 'hot',
    packages: ['vite'],
    accept: 'entry',
    needs: ['node_modules/vite/package.json'],
    commands: (p) => [program(process.execPath, path.join(p.peers, 'vite-runner.mjs'), 'main.ts')],
  },
  {
    id: 'dynohot',
    name: 'dynohot (tsx loader)',
    kind: 'hot',
    packages: ['dynohot', 'tsx'],
    accept: 'leaf',
    needs: ['node_modules/dynohot/package.json', 'node_modules/tsx/package.json'],
    commands: () => [program(process.execPath, '--import', 'tsx', '--import', 'dynohot/register', 'main.ts')],
  },
];

/** Why `tool` cannot run here, or null when it can. */
export function missingFor(tool: Tool, places: Places): string | null {
  const missing = tool.needs.filter((file) => !fs.existsSync(path.join(places.peers, file)));
  if (missing.length === 0) return null;
  return `not installed (${missing.join(', ')} missing in bench/peers): \`npm run bench:peers\` installs the tools`;
}

/** The installed version of an npm package of the bench, or 'not installed'. */
export function versionOf(places: Places, name: string): string {
  const file = path.join(places.peers, 'node_modules', name, 'package.json');
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
