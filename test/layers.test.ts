// Folders say where code runs (STYLE.md habit 1): the pure layers import no Node module.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const NODE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|os|vm|v8|child_process|inspector|url|util)['"]/;

describe('layering', () => {
  for (const layer of ['compile', 'runtime']) {
    it(`src/${layer} imports no node: module`, () => {
      for (const file of fs.readdirSync(path.join(src, layer))) {
        const text = fs.readFileSync(path.join(src, layer, file), 'utf8');
        const hit = text.split('\n').findIndex((l) => NODE_IMPORT.test(l));
        assert.equal(hit, -1, `src/${layer}/${file}:${hit + 1} imports a Node module; hand it in through the Host instead`);
      }
    });
  }
});
