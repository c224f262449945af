// Bugs the soak (test/soak.test.ts, bench/soak.ts) found, each reduced to what causes it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { createNodeHost } from '../src/host/node-host.js';
import { tempProject } from './helpers/project.js';

describe('soak regressions', () => {
  // An editor that writes in place truncates the file, then writes it. A stamp taken before the read
  // alone could name the truncated file while the text read was the written one; the same save read
  // again (a late second batch of file events) then had another stamp, and its rejection was said twice.
  it('a read stamps the write whose text it read, though the file is written to all along', async () => {
    const p = tempProject({ 'raced.ts': '' });
    const file = p.path('raced.ts');
    // A save every 5 ms: more than the kernel's clock tick apart, so each has times of its own (two
    // saves within one tick can look alike to any stamp: a limit of the file system, not of the read).
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const t = ['a'.repeat(200000), 'b'.repeat(300000)]; const pause = new Int32Array(new SharedArrayBuffer(4)); for (let i = 0; ; i++) { fs.writeFileSync(${JSON.stringify(file)}, t[i % 2]); Atomics.wait(pause, 0, 0, 5); }`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const host = createNodeHost();
      const wrong: string[] = [];
      let stamped = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 3000 && stamped < 300) {
        const r = await host.readFile(file);
        if (r.kind !== 'text' || r.stamp === undefined) continue;
        stamped++;
        const size = Number(r.stamp.split(':').at(-1));
        if (size !== Buffer.byteLength(r.text)) wrong.push(`stamp of ${size} bytes for a text of ${Buffer.byteLength(r.text)}`);
      }
      assert.ok(stamped > 10, `reads were stamped (${stamped})`);
      assert.deepEqual(wrong, [], 'every stamp names the write whose text was read');
    } finally {
      writer.kill();
      p.remove();
    }
  });
});
