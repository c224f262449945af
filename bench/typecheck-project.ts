// Generates a 200-module TypeScript project for the type-gate bench, shaped like the one behind
// ARCHITECTURE.md fact 7: core.ts declares the types, only the first 30 modules import it (and read
// Entity.hp), every module imports three earlier ones (i-1, i-7, i-31), main.ts imports them all.

import fs from 'node:fs';
import path from 'node:path';

export const MODULES = 200;
export const USERS_OF_HP = 30;

function moduleText(i: number): string {
  const name = `m${String(i).padStart(3, '0')}`;
  const pad = (n: number): string => `m${String(n).padStart(3, '0')}`;
  const deps = [i - 1, i - 7, i - 31].filter((d) => d >= 0).map(pad);
  const usesCore = i < USERS_OF_HP;
  const lines = [
    usesCore ? "import { Entity, type Vec, length } from './core.ts';" : '',
    ...deps.map((d) => `import { helper0_${d}, type Item_${d} } from './${d}.ts';`),
    '',
    `export interface Item_${name} { readonly id: number; readonly tags: string[]; weight: number }`,
    '',
    `export function make_${name}(n: number): Item_${name}[] {`,
    `  const out: Item_${name}[] = [];`,
    '  for (let k = 0; k < n; k++) out.push({ id: k, tags: [`t${k % 3}`], weight: k * 1.5 });',
    '  return out;',
    '}',
    '',
    `export function find_${name}(items: readonly Item_${name}[], pred: (it: Item_${name}) => boolean): Item_${name} | undefined {`,
    '  for (const it of items) {',
    '    if (pred(it)) return it; // EDIT_POINT',
    '  }',
    '  return undefined;',
    '}',
    '',
    ...(usesCore
      ? [`export function score_${name}(e: Entity, v: Vec): number {`, '  const base: number = e.hp * 2;', '  return base + length(v);', '}']
      : [`export function score_${name}(xs: readonly number[]): number {`, `  return ${deps.map((d) => `helper0_${d}(xs).sum`).join(' + ') || '0'};`, '}']),
    ...deps.map((d) => `export type Wrapped_${name}_${d} = Item_${d} & { wrapped: true };`),
  ];
  for (let f = 0; f < 12; f++) {
    lines.push(
      '',
      `export function helper${f}_${name}(xs: readonly number[]): { sum: number; max: number } {`,
      '  let sum = 0;',
      '  let max = -Infinity;',
      '  for (const x of xs) { sum += x; if (x > max) max = x; }',
      '  return { sum, max };',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

const CORE = `export interface Vec { x: number; y: number }
export class Entity {
  hp: number = 100;
  level: number = 1;
  pos: Vec = { x: 0, y: 0 };
}
export function length(v: Vec): number { return Math.hypot(v.x, v.y); }
`;

/** Writes the project into `dir`; returns the paths the bench edits. */
export function generateProject(dir: string): { core: string; body: string; main: string } {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  fs.writeFileSync(path.join(dir, 'core.ts'), CORE);
  const imports: string[] = [];
  for (let i = 0; i < MODULES; i++) {
    const name = `m${String(i).padStart(3, '0')}`;
    fs.writeFileSync(path.join(dir, `${name}.ts`), moduleText(i));
    imports.push(`import './${name}.ts';`);
  }
  fs.writeFileSync(path.join(dir, 'main.ts'), `${imports.join('\n')}\n`);
  return { core: path.join(dir, 'core.ts'), body: path.join(dir, 'm150.ts'), main: path.join(dir, 'main.ts') };
}
