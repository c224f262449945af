// Import cycles among modules new to the program: a binding read before its module ran throws a
// ReferenceError as in Node (src/runtime/uninitialized.ts), at a change and at a start, and a resume from
// an image file restores the cycle's bindings without tripping over it.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliRun } from './helpers/cli.js';
import { startImage } from './helpers/image.js';
import { tempProject } from './helpers/project.js';

const cleanup: Array<() => void> = [];
after(() => {
  for (const c of cleanup) c();
});

describe('import cycles among new modules (the dead zone of ES modules)', () => {
  it('throws a ReferenceError for a binding read before its module ran, as Node does, and the change is refused', async () => {
    const { edit } = await startImage({ 'main.ts': 'export const v = 1;\n' });
    const r = await edit({
      'main.ts': "import { ca } from './ca.ts';\nexport const v = ca;\n",
      'ca.ts': "import { cb } from './cb.ts';\nexport const ca: number = cb + 1;\n",
      'cb.ts': "import { ca } from './ca.ts';\nexport const cb: number = ca + 1;\n",
    });
    assert.equal(r.kind, 'rejected');
    assert.match(JSON.stringify(r), /ReferenceError: Cannot access 'ca' before initialization/);
  });

  it('reads in functions, hoisted functions at the top level, and every export once the cycle ran', async () => {
    const { edit, api } = await startImage({ 'main.ts': 'export const v = 1;\n' });
    const r = await edit({
      'main.ts': "import { ca, readB } from './ca.ts';\nimport { cb, twice } from './cb.ts';\nexport const v = [ca, cb, readB(), twice(2)];\n",
      'ca.ts': "import { cb, twice } from './cb.ts';\nexport const ca: number = twice(5);\nexport function readB(): number {\n  return cb;\n}\n",
      'cb.ts':
        "import { ca } from './ca.ts';\nexport function twice(n: number): number {\n  return n * 2;\n}\nexport const cb = 7;\nexport function readA(): number {\n  return ca;\n}\n",
    });
    assert.equal(r.kind, 'applied', JSON.stringify(r));
    assert.deepEqual(api()['v'], [10, 7, 7, 4]);
  });
});

describe('import cycles and image files', () => {
  it('resumes a program whose modules import each other from its image file', async () => {
    const p = tempProject({
      'main.ts': "import { a } from './a.ts';\nsetInterval(() => console.log(`a=${a.n}`), 10);\n",
      'a.ts': "import { b } from './b.ts';\nexport const a = { n: 1 };\nexport function bee(): number {\n  return b;\n}\n",
      'b.ts': "import { bee } from './a.ts';\nexport const b = 2;\nexport const later = (): number => bee();\n",
    });
    cleanup.push(() => p.remove());
    const image = path.join(p.dir, 'app.img');
    const first = CliRun.run(p.dir, ['--typecheck', 'off', '--image', image, 'main.ts']);
    cleanup.push(() => first.kill());
    await first.until('the first run', () => first.lines.includes('a=1'), 20000);
    await first.stop('SIGTERM');
    const second = CliRun.run(p.dir, ['--typecheck', 'off', '--image', image, 'main.ts']);
    cleanup.push(() => second.kill());
    await second.until('the resumed run', () => second.lines.includes('a=1'), 20000);
    assert.doesNotMatch(second.stderr, /before initialization|failed/);
    await second.stop('SIGTERM');
  });
});
