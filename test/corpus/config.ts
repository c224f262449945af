// Edits to tsconfig.json and package.json, invalid JSON included: imago says what it does with each,
// names the file, and the program keeps running.

import type { CorpusCase } from './project.js';

const tsconfig = (options: Record<string, unknown>): string =>
  `${JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', allowImportingTsExtensions: true, noEmit: true, ...options } }, null, 2)}\n`;

const said = /tsconfig\.json changed/;

export const cases: CorpusCase[] = [
  { name: 'config: tsconfig.json that is not JSON', category: 'config', edit: { 'tsconfig.json': '{ "compilerOptions": { "strict": true,, }\n' }, expect: { none: true, notice: /tsconfig\.json/ } },
  { name: 'config: tsconfig.json emptied', category: 'config', edit: { 'tsconfig.json': '' }, expect: { none: true, notice: said } },
  { name: 'config: tsconfig.json deleted', category: 'config', edit: { 'tsconfig.json': null }, expect: { none: true, notice: /tsconfig\.json was deleted: the next change is type-checked with TypeScript's defaults/ } },
  { name: 'config: tsconfig.json with an unknown option', category: 'config', edit: { 'tsconfig.json': tsconfig({ notAnOption: true }) }, expect: { none: true, notice: /notAnOption/ } },
  { name: 'config: tsconfig.json with an option of the wrong type', category: 'config', edit: { 'tsconfig.json': tsconfig({ strict: 'yes' }) }, expect: { none: true, notice: /strict/ } },
  { name: 'config: tsconfig.json made stricter', category: 'config', edit: { 'tsconfig.json': tsconfig({ noUnusedLocals: true, exactOptionalPropertyTypes: true }) }, expect: { none: true, notice: said } },
  { name: 'config: tsconfig.json made less strict', category: 'config', edit: { 'tsconfig.json': tsconfig({ strict: false }) }, expect: { none: true, notice: said } },
  { name: 'config: tsconfig.json extending a file that is not there', category: 'config', edit: { 'tsconfig.json': '{ "extends": "./nope.json" }\n' }, expect: { none: true, notice: /nope\.json/ } },
  { name: 'config: tsconfig.json with a target TypeScript 7 refuses', category: 'config', edit: { 'tsconfig.json': tsconfig({ target: 'es3' }) }, expect: { none: true, notice: /target|es3/i } },
  { name: 'config: package.json that is not JSON', category: 'config', edit: { 'package.json': '{ "type": "module",, }\n' }, expect: { none: true, notice: /package\.json is not valid JSON/ } },
  { name: 'config: package.json emptied', category: 'config', edit: { 'package.json': '' }, expect: { none: true, notice: /package\.json is not valid JSON/ } },
  { name: 'config: package.json made CommonJS', category: 'config', edit: { 'package.json': '{ "type": "commonjs", "private": true }\n' }, expect: { none: true, notice: /package\.json now makes its \.ts files CommonJS.*restart imago/ } },
  { name: 'config: package.json given a dependency that is not installed', category: 'config', edit: { 'package.json': '{ "type": "module", "private": true, "dependencies": { "left-pad": "1.3.0" } }\n' }, expect: { none: true } },
  { name: 'config: package.json with imports mapping', category: 'config', edit: { 'package.json': '{ "type": "module", "private": true, "imports": { "#logic": "./logic.ts" } }\n' }, expect: { none: true } },
  { name: 'config: a JSON file the program does not import, broken', category: 'config', edit: { 'other.json': '{ nope' }, expect: { none: true } },
];

