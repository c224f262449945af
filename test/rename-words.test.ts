// The translation a rename applies to the live version's statement keys (runtime/rename-names.ts): whole
// words of code only, never strings, comments, template text or property names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renamedOnly, wordTranslator } from '../src/runtime/rename-names.js';

const t = wordTranslator(new Map([['score', 'points']]));

describe('wordTranslator', () => {
  it('renames whole words of code', () => {
    assert.equal(t('let score = score2 + score * $score;'), 'let points = score2 + points * $score;');
    assert.equal(t('e:setInterval(() => { score++ })'), 'e:setInterval(() => { points++ })');
  });

  it('leaves strings, comments, template text and property names alone', () => {
    assert.equal(t(`log('score', "score", o.score) // score`), `log('score', "score", o.score) // score`);
    assert.equal(t('/* score */ score'), '/* score */ points');
    assert.equal(t("'it\\'s score' + score"), "'it\\'s score' + points");
  });

  it('renames a member only after a dot, a top-level name never after one', () => {
    const m = wordTranslator(new Map([['Mood', 'Temper']]), new Map([['hit', 'strike']]));
    assert.equal(m('Mood.hit(hit) + p?.hit + o.Mood'), 'Temper.strike(hit) + p?.strike + o.Mood');
  });

  it('renames inside the ${} of template literals, nested ones too', () => {
    assert.equal(t('`score is ${score}`'), '`score is ${points}`');
    assert.equal(t('`a ${ { k: score }.k } b ${`score ${score}`} score`'), '`a ${ { k: points }.k } b ${`score ${points}`} score`');
    assert.equal(t('`\\${score}` + score'), '`\\${score}` + points');
  });
});

describe('renamedOnly', () => {
  const r = { words: new Map([['score', 'points']]), members: new Map([['hit', 'strike']]) };
  it('holds for the same code with some renamed words, each by the rename', () => {
    assert.equal(renamedOnly('log(p.hit(), door.hit(), score)', 'log(p.strike(), door.hit(), points)', r), true);
    assert.equal(renamedOnly("log('score', score)", "log('score', points)", r), true);
  });
  it('fails for any other difference', () => {
    assert.equal(renamedOnly('log(p.hit())', 'log(p.strike(1))', r), false);
    assert.equal(renamedOnly("log('score')", "log('points')", r), false);
    assert.equal(renamedOnly('({ score: 1 })', '({ points: 1 })', r), false);
  });
});
