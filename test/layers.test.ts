// Folders say where code runs (STYLE.md habit 1): the pure layers import no Node module, and hold no
// module-level mutable state, so several images can live in one process without sharing anything.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const NODE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|os|vm|v8|child_process|inspector|url|util)['"]/;
/** A module-level binding that can change: `let`/`var`, or a const holding a new mutable collection. */
const MUTABLE = /^(?:export\s+)?(?:(?:let|var)\s|const\s+\w+(?::(?![^=]*Readonly)[^=]+)?\s*=\s*(?:new\s+(?:Map|Set|WeakMap|WeakSet|Array)\b|\[\s*\]))/;
const PURE = ['compile', 'runtime', 'store', 'image'];

const sources = (layer: string): Array<{ file: string; lines: string[] }> =>
  fs
    .readdirSync(path.join(src, layer))
    .filter((f) => f.endsWith('.ts'))
    .map((file) => ({ file, lines: fs.readFileSync(path.join(src, layer, file), 'utf8').split('\n') }));

describe('layering', () => {
  for (const layer of PURE) {
    it(`src/${layer} imports no node: module`, () => {
      for (const { file, lines } of sources(layer)) {
        const hit = lines.findIndex((l) => NODE_IMPORT.test(l));
        assert.equal(hit, -1, `src/${layer}/${file}:${hit + 1} imports a Node module; hand it in through the Host instead`);
      }
    });

    it(`src/${layer} keeps no module-level mutable state`, () => {
      for (const { file, lines } of sources(layer)) {
        const hit = lines.findIndex((l) => MUTABLE.test(l));
        assert.equal(
          hit,
          -1,
          `src/${layer}/${file}:${hit + 1} is module-level state (${lines[hit]?.trim()}); give it to the image, the store registry or the transaction`,
        );
      }
    });
  }

  it('the rules catch what they are for', () => {
    for (const line of [
      'let debug = false;',
      'export let n = 1;',
      'var x;',
      'const tags = new Map<number, string>();',
      'const seen = [];',
      'const s: Set<string> = new Set();',
    ])
      assert.ok(MUTABLE.test(line), line);
    for (const line of [
      'const SPAN = 16777216;',
      "const skip: ReadonlySet<string> = new Set(['a']);",
      '  let local = 1;',
      'const LAYOUTS: Layouts = { packed: PackedStore };',
    ])
      assert.ok(!MUTABLE.test(line), line);
    assert.ok(NODE_IMPORT.test("import fs from 'node:fs';"));
  });
});
