// The rewriter, one syntax form at a time: what each construct compiles to, compared in full.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModule } from '../src/compile/compile-module.js';
import type { CompiledModule } from '../src/compile/compiled-module.js';
import { codeFrame } from '../src/compile/source-text.js';
import type { DecoratorLowering } from '../src/compile/tc39-decorators.js';
import { lowerDecorators } from '../src/host/decorator-lowering.js';

function compile(source: string): CompiledModule {
  const r = compileModule('m.ts', source);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  return r.module;
}

/** The emitted layer and item lines only (the fixed prologue and epilogue are left out). */
function body(source: string): string {
  return compile(source)
    .code.split('\n')
    .filter(
      (l) =>
        l &&
        !l.startsWith('"use strict"') &&
        !l.startsWith('const __imago_F = {') &&
        l !== '};' &&
        !l.startsWith('const __imago_I = [') &&
        !l.startsWith('const __imago_c0 = ') &&
        l !== '];' &&
        !l.startsWith('return ['),
    )
    .join('\n');
}

describe('compile: functions', () => {
  it('puts a function declaration in the layer; calls go through the layer, values through the trampoline', () => {
    assert.equal(
      body('function f(a: number): number { return a + 1; }\nconst g = f;\nf(2);\n'),
      '"f": function f(a) {\n\treturn a + 1;\n},\nfunction () { __imago_S.g = __imago_T.f; },\nfunction () { __imago_M.f(2); },',
    );
  });
  it('treats `const f = () => ...` as a function, and `let f = () => ...` as state', () => {
    const m = compile('const f = (x: number) => x * 2;\nlet g = () => 1;\n');
    assert.deepEqual(
      m.functions.map((f) => f.name),
      ['f'],
      'only the const arrow is code',
    );
    assert.deepEqual(
      m.items.map((i) => i.key),
      ['b:g'],
      'the let arrow is a binding',
    );
  });
  it('compiles export default function forms under the name default', () => {
    assert.deepEqual(
      compile('export default function () { return 1; }\n').functions.map((f) => f.name),
      ['default'],
    );
    assert.deepEqual(
      compile('export default () => 2;\n').functions.map((f) => f.name),
      ['default'],
    );
    const named = compile('export default function main() { return 1; }\n');
    assert.deepEqual([...named.exports], [['default', { kind: 'local', local: 'main' }]]);
  });
  it('rejects reassigning a top-level function, naming the place', () => {
    const r = compileModule('m.ts', 'function f() {}\nf = () => {};\n');
    assert.equal(r.ok, false, 'a write to a function binding must be rejected');
    if (!r.ok) assert.match(`${r.errors[0]!.line}:${r.errors[0]!.column} ${r.errors[0]!.message}`, /^2:1 imago cannot reassign the top-level function f/);
  });
});

describe('compile: state and effects', () => {
  it('rewrites reads and writes of bindings to the state record, inside functions too', () => {
    assert.equal(
      body('let n = 0;\nn++;\nexport function inc(): number { return ++n; }\n'),
      '"inc": function inc() {\n\treturn ++__imago_S.n;\n},\nfunction () { __imago_S.n = 0; },\nfunction () { __imago_S.n++; },',
    );
  });
  it('expands shorthand properties', () => {
    assert.equal(body('const a = 1;\nconsole.log({ a });\n'), 'function () { __imago_S.a = 1; },\nfunction () { console.log({ a: __imago_S.a }); },');
  });
  it('assigns destructuring declarations as one item with every name', () => {
    const m = compile('const { a, b: [c] } = { a: 1, b: [2] };\n');
    assert.deepEqual(
      m.items.map((i) => i.key),
      ['b:a,c'],
    );
    assert.match(m.code, /\(\{ a: __imago_S\.a, b: \[__imago_S\.c\] \} = \{/);
  });
  it('splits declarators into items and records what each reads while it runs', () => {
    const m = compile('const SIZE = 3, grid = new Array(SIZE);\nconst later = () => SIZE;\nlet f = () => grid;\n');
    assert.deepEqual(
      m.items.map((i) => [i.key, i.localDeps]),
      [
        ['b:SIZE', []],
        ['b:grid', ['SIZE']],
        ['b:f', []],
      ],
      'reads inside nested functions are not dependencies',
    );
  });
  it('gives identical effects distinct keys', () => {
    assert.deepEqual(
      compile('console.log(1);\nconsole.log(1);\n').items.map((i) => i.key),
      ['e:console.log(1);', 'e:console.log(1);#2'],
    );
  });
  it('keeps a var without initializer nested in a top-level block valid', () => {
    assert.equal(body('if (true) { var a; var b = 1, c; }\n'), 'function () { if (true) {\n\t void 0;\n\t __imago_S.b = 1, void 0;\n} },');
  });
  it('tracks reads in destructuring defaults', () => {
    assert.deepEqual(
      compile('const SPEED = 1;\nconst [e = SPEED] = [];\n').items.map((i) => i.localDeps),
      [[], ['SPEED']],
    );
  });
  it('turns a var nested in a top-level loop into module state', () => {
    assert.equal(body('for (var i = 0; i < 2; i++) {}\n'), 'function () { for ( __imago_S.i = 0; __imago_S.i < 2; __imago_S.i++) {} },');
  });
  it('marks statements with top-level await as async', () => {
    const m = compile('const x = await Promise.resolve(1);\nasync function f() { await 1; }\n');
    assert.deepEqual(
      m.items.map((i) => i.isAsync),
      [true],
    );
    assert.match(m.code, /async function \(\) \{ __imago_S\.x = await Promise\.resolve\(1\); \}/);
  });
  it("routes the module's own timer calls through the runtime", () => {
    assert.match(compile('setInterval(() => {}, 5);\n').code, /const setInterval = __imago_rt\.setInterval;/);
    assert.doesNotMatch(compile('const setInterval = 1;\n').code, /__imago_rt\.setInterval/, 'a local binding named setInterval is left alone');
  });
});

describe('compile: classes and enums', () => {
  it('defines a class under its stable identity, with static members as separate items', () => {
    assert.equal(
      body('class C { static n = 1; static { C.n++; } m(): number { return C.n; } }\n'),
      'function () { __imago_S.C = __imago_rt.defineClass("C", class C {\n\t\n\t\n\tm() { if (__imago_c0.r !== null) return __imago_c0.r.call(this, null); \n\t\treturn __imago_S.C.n;\n\t}\n}, { }); },\n' +
        'function () { __imago_rt.defineStatic(__imago_S.C, "n", ({ __proto__: Object.getPrototypeOf(Object.getPrototypeOf(__imago_S.C)), __imago_static() { return 1; } }).__imago_static.call(__imago_S.C)); },\n' +
        'function () { ({ __proto__: Object.getPrototypeOf(Object.getPrototypeOf(__imago_S.C)), __imago_static() {\n\t\t__imago_S.C.n++;\n\t} }).__imago_static.call(__imago_S.C); },',
    );
    assert.deepEqual(
      compile('class C { static n = 1; static { C.n++; } }\n').items.map((i) => [i.key, i.kind]),
      [
        ['c:C', 'class'],
        ['s:C.n', 'binding'],
        ['e:static C static {\n\t\tC.n++;\n\t}', 'effect'],
      ],
    );
  });
  it('turns #private names into stable symbols, in every form', () => {
    const m = compile(
      'class P { #n = 1; static #s = 2; #m(): number { return 1; } get n(): number { return this.#n + this.#m() + P.#s; } has(o: object): boolean { return #n in o; } peek(o?: P): number | undefined { return o?.#n; } }\n',
    );
    assert.match(m.code, /const __imago_p0 = __imago_rt\.privateName\("P#n"\);/);
    assert.match(m.code, /\[__imago_p0\] = 1;/, 'a field');
    assert.match(m.code, /\[__imago_p2\]\(\) \{/, 'a method');
    assert.match(m.code, /return this\[__imago_p0\] \+ this\[__imago_p2\]\(\) \+ __imago_S\.P\[__imago_p1\];/, 'reads');
    assert.match(m.code, /return __imago_p0 in o;/, 'a brand check');
    assert.match(m.code, /return o\?\.\[__imago_p0\];/, 'optional chaining');
    assert.match(m.code, /defineStatic\(__imago_S\.P, __imago_p1,/, 'a static private field');
  });
  it("expands a class's own name in a shorthand property", () => {
    assert.match(compile('class A { static make() { return { A }; } }\n').code, /return \{ A: __imago_S\.A \};/);
  });
  it('gives nested and anonymous classes their own private names', () => {
    const m = compile('function Mix<T extends new (...a: any[]) => object>(B: T) { return class extends B { #t = 1; t(): number { return this.#t; } }; }\n');
    assert.match(m.code, /privateName\("Mix\/class#t"\)/);
  });
  it('records the instance fields each class version declares, parameter properties included', () => {
    const m = compile('class P { hp = 10; armor: number; #s = this.hp; static n = 1; constructor(public q: number) {} }\n');
    assert.deepEqual(
      m.classes.get('P')!.fields.map((f) => ({ name: f.name, initializer: f.initializer, type: f.typeText })),
      [
        { name: 'q', initializer: null, type: 'number' },
        { name: 'hp', initializer: '10', type: 'number' },
        { name: 'armor', initializer: null, type: 'number' },
        { name: '#s', initializer: 'this.hp', type: '' },
      ],
    );
    assert.match(
      m.code,
      /\}, \{ "hp"\(\) \{ return \(10\); \}, \[__imago_p0\]\(\) \{ return \(this\.hp\); \}, \}\); \},/,
      'initializers again, to run for live instances',
    );
  });
  it('treats const X = class and export default class as classes', () => {
    const m = compile('export const X = class { a: string | number = 1; };\nexport default class { b: bigint = 2n; }\n');
    assert.deepEqual([...m.classes.keys()], ['X', 'default']);
    assert.deepEqual(
      [...m.classes.values()].map((c) => c.fields[0]!.typeText),
      ['string | number', 'bigint'],
      'their field types are known too',
    );
  });
  it('recognizes TypeScript enums and merges them into their identity', () => {
    const m = compile('enum Color { Red, Green = 5 }\n');
    assert.deepEqual([...m.enums], ['Color']);
    assert.match(m.code, /__imago_S\.Color = __imago_rt\.defineEnum\("Color", \(function\(Color\) \{/);
    assert.match(m.code, /\}\)\(\{\}\)\); \},/);
  });
});

describe('compile: imports and exports', () => {
  it("reads imported names through the module's links, by local name", () => {
    const m = compile("import d, { a as b } from './x.ts';\nimport * as ns from 'node:path';\nexport function f() { return d + b + ns.sep; }\n");
    assert.match(m.code, /return __imago_L\.d \+ __imago_L\.b \+ __imago_L\.ns\.sep;/);
    assert.deepEqual(
      [...m.imports].map(([local, ref]) => [local, ref.dep, ref.name]),
      [
        ['d', 0, 'default'],
        ['b', 0, 'a'],
        ['ns', 1, '*'],
      ],
    );
    assert.deepEqual(
      m.dependencies.map((d) => d.specifier),
      ['./x.ts', 'node:path'],
    );
  });
  it('drops imports only used as types', () => {
    assert.deepEqual(compile("import { type T, U } from './t.ts';\nlet x: T | U | undefined;\n").dependencies, []);
  });
  it('records every export form', () => {
    const m = compile(
      "import { q } from './q.ts';\nexport const a = 1;\nlet b = 2;\nexport { b as c, q };\nexport * from './s.ts';\nexport * as ns from './n.ts';\nexport { z } from './z.ts';\nexport default a + 1;\n",
    );
    assert.deepEqual(Object.fromEntries(m.exports), {
      a: { kind: 'local', local: 'a' },
      c: { kind: 'local', local: 'b' },
      q: { kind: 'reexport', dep: 0, name: 'q' },
      ns: { kind: 'reexport', dep: 2, name: '*' },
      z: { kind: 'reexport', dep: 3, name: 'z' },
      default: { kind: 'local', local: 'default' },
    });
    assert.deepEqual(m.starExports, [1]);
  });
  it('rewrites import.meta and dynamic import()', () => {
    assert.equal(
      body("const u = import.meta.url;\nconst p = import('./x.ts');\n"),
      'function () { __imago_S.u = __imago_meta.url; },\nfunction () { __imago_S.p = __imago_rt.import("./x.ts"); },',
    );
  });
});

describe('compile: errors and positions', () => {
  it("without the host's lowering, rejects TC39 decorators and accessor fields with the place and what to do", () => {
    const dec = compileModule('m.ts', 'function d(_t: unknown, _k: string): void {}\nclass K {\n  @d m(): void {}\n}\n');
    assert.ok(
      !dec.ok && dec.errors[0]!.line === 3 && /cannot run TC39 decorators without the lowering/.test(dec.errors[0]!.message),
      'a decorator is rejected at 3:3',
    );
    const acc = compileModule('m.ts', 'class K {\n  accessor x = 1;\n}\n');
    assert.ok(
      !acc.ok && acc.errors[0]!.line === 2 && /cannot run `accessor` fields without the lowering/.test(acc.errors[0]!.message),
      'an accessor field is rejected at 2:3',
    );
  });
  it('reports a syntax error at its TypeScript line and column with a code frame', () => {
    const r = compileModule('m.ts', "type T = number;\nconst a: T = 1;\nexport function f(): string { return 'x' +; }\n");
    assert.equal(r.ok, false);
    if (r.ok) return;
    const e = r.errors[0]!;
    assert.deepEqual([e.file, e.line, e.column], ['m.ts', 3, 43]);
    assert.match(e.frame ?? '', />\s+3 \| export function f/);
  });
  it('places a syntax error right in a file with non-ASCII text', () => {
    const r = compileModule('m.ts', "const s = 'äöü';\nconst t = 1 +;\n");
    assert.ok(!r.ok && r.errors[0]!.line === 2 && r.errors[0]!.column === 14, `2:14, not shifted by the bytes of äöü: ${JSON.stringify(!r.ok && r.errors[0])}`);
  });
  it('maps emitted positions back to the TypeScript source', () => {
    const m = compile('interface P { x: number }\n\nexport function boom(p: P): number {\n  if (p.x > 1) throw new Error("bad");\n  return p.x;\n}\n');
    const lines = m.code.split('\n');
    const line = lines.findIndex((l) => l.includes('throw new Error')) + 1;
    const column = lines[line - 1]!.indexOf('throw') + 1;
    assert.deepEqual(m.positions.source(line, column), { line: 4, column: 16 }, 'the throw is at 4:16 in the .ts file');
  });
  it('shows control characters of a broken file as control pictures, never raw, in a code frame', () => {
    const frame = codeFrame('const a = 1;\nconst \u001b[2Jb = \u0007;\n', 2, 7);
    assert.equal(frame.includes('\u001b'), false, 'no escape sequence reaches the terminal');
    assert.match(frame, /> 2 \| const \u241b\[2Jb = \u2407;/);
    assert.match(frame, /\| {7}\^/, 'the caret column is unchanged');
  });
});

describe('compile: TC39 decorators and accessor fields', () => {
  const counting = (): { lower: DecoratorLowering; calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      lower: (js, file) => {
        calls.push(file);
        return lowerDecorators(js, file);
      },
    };
  };

  it('lowers only files that need it: class decorators alone move to the stable class without the transform', () => {
    const { lower, calls } = counting();
    const plain = compileModule('p.ts', 'export class K { m(): number { return 1; } }\n', { lowerDecorators: lower });
    assert.ok(plain.ok);
    const onlyClass = compileModule('c.ts', 'function d(_c: unknown, _x: ClassDecoratorContext): void {}\n@d export class K { m(): number { return 1; } }\n', {
      lowerDecorators: lower,
    });
    assert.ok(onlyClass.ok);
    assert.deepEqual(calls, [], 'neither file went through the transform');
    const member = compileModule(
      'm.ts',
      'function d(f: unknown, _x: ClassMethodDecoratorContext): unknown { return f; }\nexport class K { @d m(): number { return 1; } }\n',
      { lowerDecorators: lower },
    );
    assert.ok(member.ok);
    const accessor = compileModule('a.ts', 'export class K { accessor x = 1; }\n', { lowerDecorators: lower });
    assert.ok(accessor.ok);
    assert.deepEqual(calls, ['m.ts', 'a.ts']);
  });

  it("keeps positions in a lowered file pointing into its TypeScript, and reports the transform's failure at the file", () => {
    const source =
      'function d(f: unknown, _x: ClassMethodDecoratorContext): unknown { return f; }\nexport class K {\n  @d m(): number { return 1; }\n  n(): number { return missing; }\n}\n';
    const r = compileModule('m.ts', source, { lowerDecorators });
    assert.ok(r.ok);
    const at = r.module.code.indexOf('missing');
    const pos = r.module.positions.sourceOfJs(r.module.positions.jsOffset(at));
    // Two maps chained: the line is exact, the column is the statement's (`return missing` spans 18-32).
    assert.equal(pos.line, 4);
    assert.ok(pos.column >= 18 && pos.column <= 32, `column ${pos.column}`);
    const failing = compileModule('m.ts', source, {
      lowerDecorators: () => {
        throw new Error('SWC: Unexpected token');
      },
    });
    assert.ok(!failing.ok && /^imago could not lower the decorators of this file: SWC: Unexpected token$/.test(failing.errors[0]!.message));
  });
});

describe('compile: what the TC39 lowering gets wrong is refused', () => {
  it('a decorated private accessor, at its place, with the way out', () => {
    const r = compileModule(
      'm.ts',
      'function clamp(_t: unknown, _c: ClassAccessorDecoratorContext): void {}\nexport class K {\n  @clamp accessor #hidden = 3;\n}\n',
      { lowerDecorators },
    );
    assert.ok(!r.ok);
    assert.equal(`${r.errors[0]!.line}:${r.errors[0]!.column}`, '3:3');
    assert.match(r.errors[0]!.message, /cannot run a decorated private `accessor` yet .*decorate a public accessor/);
  });
});
