// TypeScript's legacy decorators (experimentalDecorators, emitDecoratorMetadata) on live classes, driven
// through the CLI: real inversify and class-validator programs (pinned devDependencies), hand-written
// decorators of every kind, a class decorator that returns another class (refused); and TC39
// decorators (lowered by SWC) of every kind, and `accessor` fields.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, CliRun } from './helpers/cli.js';
import { type TempProject, tempProject } from './helpers/project.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const options = (legacy: boolean): string =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      ...(legacy ? { experimentalDecorators: true, emitDecoratorMetadata: true } : {}),
    },
  });

/** A project resolving packages from imago's own (pinned) devDependencies. */
function project(files: Record<string, string>, legacy = true): TempProject {
  const p = tempProject({ 'tsconfig.json': options(legacy), ...files });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), p.path('node_modules'), 'dir');
  return p;
}

const SVC = (word: string, decorated: boolean, extra = ''): string => `import { inject, injectable, postConstruct } from 'inversify';
export const TYPES = { Repo: Symbol.for('Repo') };
@injectable()
export class Repo { find(): string { return 'row'; } }
function loud(_t: object, _k: string, d: PropertyDescriptor): void {
  const f = d.value as (...a: unknown[]) => string;
  d.value = function (this: unknown, ...a: unknown[]): string { return f.apply(this, a).toUpperCase(); };
}
@injectable()
export class Svc {
  @inject(TYPES.Repo) propRepo!: Repo;
  inits = 0;
  constructor(@inject(TYPES.Repo) private repo: Repo, @inject('n') private n: number${extra}) {}
  @postConstruct() init(): void { this.inits++; }
  ${decorated ? '@loud ' : ''}greet(): string { return '${word} ' + this.repo.find() + ' ' + this.n + ' ' + (this.propRepo ? 'prop' : 'noprop') + ' ' + this.inits${extra ? " + ' ' + this.m" : ''}; }
}
`;

describe('legacy decorators on live classes', () => {
  it('inversify: the container resolves the one live class; edits to a decorated method, its decorator list and its injections apply; the singleton lives on', async () => {
    const p = project({
      'svc.ts': SVC('v1', true),
      'main.ts': `import 'reflect-metadata';
import { Container } from 'inversify';
import { Repo, Svc, TYPES } from './svc.ts';
const c = new Container();
c.bind(TYPES.Repo).to(Repo);
c.bind('n').toConstantValue(7);
c.bind('m').toConstantValue('em');
c.bind(Svc).toSelf().inSingletonScope();
const one = c.get(Svc);
const First = Svc;
setInterval(() => {
  const fresh = new Container({ parent: c });
  fresh.bind(Svc).toSelf();
  const other = fresh.get(Svc);
  console.log(one.greet(), '|', other.greet(), '|', c.get(Svc) === one, one instanceof Svc, other instanceof First, Svc === First);
}, 20);
`,
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('V1 ROW 7 PROP 1 | V1 ROW 7 PROP 1 | true true true true'), 20000);
      p.write({ 'svc.ts': SVC('v2', true) });
      await cli.until('the method edit', () => cli.lines.includes('V2 ROW 7 PROP 1 | V2 ROW 7 PROP 1 | true true true true'), 15000);
      p.write({ 'svc.ts': SVC('v3', false) });
      await cli.until('the decorator removed', () => cli.lines.includes('v3 row 7 prop 1 | v3 row 7 prop 1 | true true true true'), 15000);
      p.write({ 'svc.ts': SVC('v4', false, ", @inject('m') private m?: string") });
      await cli.until('a new injected parameter', () => cli.lines.includes('v4 row 7 prop 1 undefined | v4 row 7 prop 1 em | true true true true'), 15000);
      assert.equal(cli.reloads().filter((r) => r.ok).length, 3);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('class-validator: a changed constraint applies to objects made before the edit and after it', async () => {
    const dto = (min: number): string =>
      `import { IsString, MinLength } from 'class-validator';\nexport class Dto {\n  @IsString() name: unknown = 1;\n  @MinLength(${min}) tag = 'abcd';\n}\n`;
    const p = project({
      'dto.ts': dto(3),
      'main.ts': `import { validateSync } from 'class-validator';
import { Dto } from './dto.ts';
const old = new Dto();
const show = (d: Dto): string => validateSync(d).map((e) => e.property + ':' + Object.keys(e.constraints ?? {}).join('+')).join(',') || 'valid';
setInterval(() => console.log('old', show(old), 'new', show(new Dto())), 20);
`,
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('old name:isString new name:isString'), 20000);
      p.write({ 'dto.ts': dto(6) });
      await cli.until('the constraint edit', () => cli.lines.includes('old name:isString,tag:minLength new name:isString,tag:minLength'), 15000);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('hand-written decorators of every kind run once per version of the class: class, method, accessor, property, parameter, static; instances and the class identity are kept', async () => {
    const thing = (prefix: string, extra: string): string => `import { field, param, register, twice, wrap } from './kinds.ts';
@register('thing')
export class Thing {
  @field hp = 10;
  @field static count = 0;
  constructor(@param public name: string) { Thing.count++; }
  @wrap('${prefix}') hello(@param who: string): string { return \`hello \${who} from \${this.name}\`; }
  @twice get double(): number { return this.hp${extra}; }
  @wrap('s') static make(): string { return new Thing('made').name; }
}
`;
    const p = project({
      'kinds.ts': `export const registry: unknown[] = [];
export const seen: string[] = [];
export function register(_label: string) {
  return (cls: Function): void => { registry.push(cls); };
}
export function wrap(prefix: string) {
  return (_t: object, key: string, d: PropertyDescriptor): void => {
    const f = d.value as (...a: unknown[]) => unknown;
    d.value = function (this: unknown, ...a: unknown[]) { return prefix + '(' + String(f.apply(this, a)) + ')'; };
    seen.push('method ' + key);
  };
}
export function twice(_t: object, key: string, d: PropertyDescriptor): void {
  const g = d.get!;
  d.get = function (this: unknown) { return (g.call(this) as number) * 2; };
  seen.push('accessor ' + key);
}
export function field(t: object, key: string): void { seen.push('field ' + key + (typeof t === 'function' ? ' static' : '')); }
export function param(_t: object, key: string | undefined, index: number): void { seen.push('param ' + String(key) + '#' + index); }
`,
      'thing.ts': thing('a', ''),
      'main.ts': `import { registry, seen } from './kinds.ts';
import { Thing } from './thing.ts';
const t = new Thing('t');
console.log(seen.join(', '));
setInterval(() => console.log(t.hello('x'), t.double, Thing.make(), registry.length, registry.every((r) => r === Thing), t instanceof Thing), 20);
`,
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('a(hello x from t) 20 s(made) 1 true true'), 20000);
      assert.ok(
        cli.lines.includes('field hp, field count static, param hello#0, method hello, accessor double, method make, param undefined#0'),
        cli.lines.slice(0, 3).join('\n'),
      );
      p.write({ 'thing.ts': thing('b', ' + 1') });
      // The class decorator ran again on the same class (a registry sees it twice: docs/compatibility.md).
      await cli.until('the edit', () => cli.lines.includes('b(hello x from t) 22 s(made) 2 true true'), 15000);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a type imported only for decorator metadata (an interface, a package type) is not required to exist, as tsc drops its import', () => {
    const p = project({
      'repo.ts': 'export interface IRepo { find(): string }\n',
      'main.ts': `import 'reflect-metadata';
import type {} from 'express';
import { Request } from 'express';
import { IRepo } from './repo.ts';
function Req(): ParameterDecorator { return () => undefined; }
function Get(): MethodDecorator { return () => undefined; }
function Injectable(): ClassDecorator { return () => undefined; }
@Injectable()
export class Ctl {
  constructor(readonly repo: IRepo) {}
  @Get() handle(@Req() req: Request): string { return typeof req; }
}
console.log(JSON.stringify(Reflect.getMetadata('design:paramtypes', Ctl).map((t: Function) => t.name)), JSON.stringify(Reflect.getMetadata('design:paramtypes', Ctl.prototype, 'handle').map((t: Function) => t.name)));
`,
    });
    try {
      const r = spawnSync(process.execPath, [CLI, 'run', '--no-watch', 'main.ts'], { cwd: p.dir, encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '["Object"] ["Object"]\n');
    } finally {
      p.remove();
    }
  });

  it('refuses a class decorator that returns another class, and the previous version keeps running', async () => {
    const thing = (decorator: string, word: string): string =>
      `function replace(c: any): any { return class extends c {}; }\nfunction keep(_c: Function): void {}\nreplace;\nkeep;\n@${decorator}\nexport class Thing { hi(): string { return '${word}'; } }\n`;
    const p = project({
      'thing.ts': thing('keep', 'one'),
      'main.ts': "import { Thing } from './thing.ts';\nconst t = new Thing();\nsetInterval(() => console.log(t.hi()), 20);\n",
    });
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('one'), 20000);
      p.write({ 'thing.ts': thing('replace', 'two') });
      const rejected = await cli.until('the rejection', () => cli.reloads().find((r) => !r.ok), 15000);
      assert.match(JSON.stringify(rejected.errors), /a class decorator of Thing \(thing\.ts\) returned another class/);
      await cli.until('the line on stderr', () => /make the decorator change the class it is given/.test(cli.stderr));
      const first = (rejected.errors as Array<{ file: string; line: number }> | undefined)?.[0];
      assert.deepEqual([first?.file, first?.line], ['thing.ts', 5], 'at the decorator, not in the compiled code');
      const after = cli.lines.length;
      await cli.until('more output', () => cli.lines.length > after + 3);
      assert.equal(cli.lines.at(-1), 'one', 'the previous version runs on');
    } finally {
      cli.kill();
      p.remove();
    }
  });
});

const TC39_KINDS = `export const log: string[] = [];
export const registry: unknown[] = [];
export function logged(f: any, c: ClassMethodDecoratorContext): any {
  c.addInitializer(function () { log.push('init ' + String(c.name)); });
  (c.metadata as Record<string, unknown>)[String(c.name)] = 'logged';
  return function (this: unknown, ...a: unknown[]) { return 'L(' + String(f.apply(this, a)) + ')'; };
}
export function register(cls: Function, c: ClassDecoratorContext): void {
  (c.metadata as Record<string, unknown>)['registered'] = true;
  c.addInitializer(function () { registry.push(this); });
}
export function orDefault(v: string) {
  return (_: undefined, _c: ClassFieldDecoratorContext) => (initial: string | undefined): string | undefined => initial ?? v;
}
export function tracked(target: ClassAccessorDecoratorTarget<any, number>, c: ClassAccessorDecoratorContext<any, number>): ClassAccessorDecoratorResult<any, number> {
  return { get(this: any) { log.push('get ' + String(c.name)); return target.get.call(this); }, set(this: any, v: number) { target.set.call(this, v); } };
}
export function shout(f: any, _c: ClassGetterDecoratorContext): any {
  return function (this: unknown) { return String(f.call(this)).toUpperCase(); };
}
export function tag(_f: unknown, c: ClassMethodDecoratorContext): void {
  (c.metadata as Record<string, unknown>)[String(c.name)] = 'tagged';
}
export function replace(cls: any, _c: ClassDecoratorContext): any { return class extends cls {}; }
`;

const GREETER = (word: string, classDecorator = '@register'): string => `import { logged, orDefault, register, replace, shout, tag, tracked } from './kinds.ts';
replace;
${classDecorator}
export class Greeter {
  @orDefault('world') name: string | undefined = undefined;
  @tracked accessor count = 0;
  #secret = 42;
  @logged greet(): string { this.count++; return '${word} ' + this.name + ' ' + this.#secret + ' ' + this.count; }
  @shout get upper(): string { return this.greet(); }
  @tag static make(): Greeter { return new Greeter(); }
  fail(): string { throw new Error('failed in greeter'); }
}
`;

describe('TC39 decorators on live classes', () => {
  it('every kind runs (class, method, field, auto-accessor, getter, static); edits re-apply them to the new version; instances, state and the class identity are kept', async () => {
    const p = project(
      {
        'kinds.ts': TC39_KINDS,
        'greeter.ts': GREETER('v1'),
        'main.ts': `import { log, registry } from './kinds.ts';
import { Greeter } from './greeter.ts';
const g = Greeter.make();
const meta = (): string => JSON.stringify((Greeter as any)[(Symbol as any).metadata ?? Symbol.for('Symbol.metadata')]);
let ticks = 0;
setInterval(() => {
  log.length = 0;
  const line = [g.greet(), g.upper, registry.length > 0 && registry.every((r) => r === Greeter), g instanceof Greeter, meta()].join(' | ');
  console.log(line, '#', log.join(','));
  if (++ticks % 10 === 0) { try { g.fail(); } catch (e) { console.log('stack', (e as Error).stack!.split('\\n')[1]!.trim()); } }
}, 20);
`,
      },
      false,
    );
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      const first = await cli.until('the program to run', () => cli.lines.find((l) => l.startsWith('L(v1 world 42 ')), 20000);
      assert.match(
        first,
        /^L\(v1 world 42 (\d+)\) \| L\(V1 WORLD 42 \d+\) \| true \| true \| \{"make":"tagged","greet":"logged","registered":true\} # get count,get count/,
      );
      const stack = await cli.until('a stack trace', () => cli.lines.find((l) => l.startsWith('stack ')));
      assert.match(stack, /greeter\.ts:11:/, 'positions in a lowered file point into its TypeScript');
      const before = Number(/ (\d+)\) \|/.exec(cli.lines.filter((l) => l.startsWith('L(v1')).at(-1)!)![1]);
      p.write({ 'greeter.ts': GREETER('v2') });
      const after = await cli.until('the edit', () => cli.lines.find((l) => l.startsWith('L(v2 world 42 ')), 15000);
      assert.ok(Number(/ (\d+)\) \|/.exec(after)![1]) > before, 'the accessor count lived on');
      assert.match(after, /\| true \| true \| \{"make":"tagged","greet":"logged","registered":true\}/);
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a TC39 class decorator that returns another class is refused; the previous version keeps running', async () => {
    const p = project(
      {
        'kinds.ts': TC39_KINDS,
        'greeter.ts': GREETER('v1'),
        'main.ts': "import { Greeter } from './greeter.ts';\nconst g = Greeter.make();\nsetInterval(() => console.log(g.greet().slice(0, 10)), 20);\n",
      },
      false,
    );
    const cli = CliRun.run(p.dir, ['--typecheck', 'warn', 'main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('L(v1 world'), 20000);
      p.write({ 'greeter.ts': GREETER('v2', '@replace') });
      const rejected = await cli.until('the rejection', () => cli.reloads().find((r) => !r.ok), 15000);
      assert.match(JSON.stringify(rejected.errors), /a class decorator of Greeter \(greeter\.ts\) returned another class/);
      const first = (rejected.errors as Array<{ file: string; line: number }> | undefined)?.[0];
      assert.deepEqual([first?.file, first?.line], ['greeter.ts', 3], 'at the decorator');
      const after = cli.lines.length;
      await cli.until('more output', () => cli.lines.length > after + 3);
      assert.equal(cli.lines.at(-1), 'L(v1 world', 'the previous version runs on');
    } finally {
      cli.kill();
      p.remove();
    }
  });

  it('a decorator added to one class of a module leaves the other decorated classes working; accessor fields without decorators keep their values', async () => {
    const m = (
      bDecorated: boolean,
    ): string => `export function logged(f: any, _c: ClassMethodDecoratorContext): any { return function (this: unknown) { return 'L' + f.call(this); }; }
export class A { @logged m(): string { return 'a'; } }
export class B { ${bDecorated ? '@logged ' : ''}n(): string { return 'b'; } }
export class C { accessor hits = 0; static accessor total = 0; hit(): string { this.hits++; C.total++; return this.hits + '/' + C.total; } }
`;
    const p = project(
      {
        'm.ts': m(false),
        'main.ts':
          "import { A, B, C } from './m.ts';\nconst a = new A();\nconst c = new C();\nsetInterval(() => console.log(a.m(), new A().m(), new B().n(), c.hit()), 20);\n",
      },
      false,
    );
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.find((l) => l.startsWith('La La b ')), 20000);
      const hits = Number(/ (\d+)\/\d+$/.exec(cli.lines.at(-1)!)![1]);
      p.write({ 'm.ts': m(true) });
      const after = await cli.until('the edit', () => cli.lines.find((l) => l.startsWith('La La Lb ')), 15000);
      const [h, total] = /(\d+)\/(\d+)$/.exec(after)!.slice(1).map(Number);
      assert.ok(h! > hits && h === total, `accessor state lived on (${after})`);
    } finally {
      cli.kill();
      p.remove();
    }
  });
});

describe('TC39 decorators and live data', () => {
  it("a field added above the others does not run the method decorators' per-instance initializers again on live instances", async () => {
    const unit = (extra: string): string => `import { instances, tracked } from './reg.ts';
export class Unit {
  ${extra}hp = 10;
  @tracked act(): number { return this.hp; }
}
`;
    const p = project(
      {
        'reg.ts':
          'export const instances: unknown[] = [];\nexport function tracked(f: any, c: ClassMethodDecoratorContext): any { c.addInitializer(function (this: unknown) { instances.push(this); }); return f; }\n',
        'unit.ts': unit(''),
        'main.ts':
          "import { instances } from './reg.ts';\nimport { Unit } from './unit.ts';\nconst units = [new Unit(), new Unit()];\nsetInterval(() => console.log('tracked', instances.length, units.map((u) => (u as unknown as { first?: number }).first).join(',')), 20);\n",
      },
      false,
    );
    const cli = CliRun.run(p.dir, ['main.ts']);
    try {
      await cli.until('the program to run', () => cli.lines.includes('tracked 2 ,'), 20000);
      p.write({ 'unit.ts': unit('first = 0;\n  ') });
      await cli.until('the field on live instances', () => cli.lines.includes('tracked 2 0,0'), 15000);
    } finally {
      cli.kill();
      p.remove();
    }
  });
});
