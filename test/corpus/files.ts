// What can happen to a file: deleted, renamed, emptied, replaced by a folder, made unreadable, a loop of
// symbolic links, binary garbage, text that is not UTF-8, grown past what imago reads; saves caught
// half-written. Refused with the file and the cause, or applied when the disk ends right.

import { BASE, type CorpusCase, type Step } from './project.js';

const read = (file: string, says: RegExp): CorpusCase['expect'] => ({ ok: false, phase: 'read', file, says });

/** Bytes that are not UTF-8 text. */
const garbage = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
};

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const logic = BASE['logic.ts']!;
const model = BASE['model.ts']!;

/** A half-written save of `file`: truncated, the first `cut` characters, a pause, then all of `text`. */
const half = (file: string, text: string, cut: number, pauseMs: number): Step[] => [{ halfWrite: file, text, cut, pauseMs }];

export const cases: CorpusCase[] = [
  { name: 'files: an imported file deleted', category: 'files', edit: { 'logic.ts': null }, expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /logic\.ts/ } },
  { name: 'files: a nested imported file deleted', category: 'files', edit: { 'util/deep.ts': null }, expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /deep/ } },
  { name: 'files: the entry deleted', category: 'files', edit: { 'main.ts': null }, expect: read('main.ts', /IMAGO_ENTRY/) },
  { name: 'files: the class file deleted', category: 'files', edit: { 'model.ts': null }, expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /model/ } },
  {
    name: 'files: a file renamed, its importers not changed',
    category: 'files',
    edit: [{ rename: 'logic.ts', to: 'rules.ts' }],
    expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /logic\.ts/ },
  },
  {
    name: 'files: a nested file moved up, its importer not changed',
    category: 'files',
    edit: [{ rename: 'util/deep.ts', to: 'deep.ts' }],
    expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /deep/ },
  },
  { name: 'files: an imported file emptied', category: 'files', edit: { 'logic.ts': '' }, expect: { ok: false, phase: 'link', file: 'state.ts', says: /score|label/ } },
  { name: 'files: the entry emptied', category: 'files', edit: { 'main.ts': '' }, expect: { ok: true } },
  { name: 'files: an imported file replaced by a folder', category: 'files', edit: [{ mkdir: 'logic.ts' }], expect: read('logic.ts', /folder|EISDIR/) },
  { name: 'files: the entry replaced by a folder', category: 'files', edit: [{ mkdir: 'main.ts' }], expect: read('main.ts', /./) },
  { name: 'files: an imported file made unreadable', category: 'files', edit: [{ chmod: 'logic.ts', mode: 0o000 }], expect: read('logic.ts', /EACCES/) },
  { name: 'files: a nested file made unreadable', category: 'files', edit: [{ chmod: 'util/deep.ts', mode: 0o000 }], expect: read('util/deep.ts', /EACCES/) },
  { name: 'files: an imported file turned into a loop of symbolic links', category: 'files', edit: [{ symlink: 'logic.ts', to: 'logic.ts' }], expect: read('logic.ts', /ELOOP/) },
  { name: 'files: an imported file turned into a link to nowhere', category: 'files', edit: [{ symlink: 'logic.ts', to: 'nowhere.ts' }], expect: { ok: false, phase: 'resolve', file: 'state.ts', says: /logic/ } },
  { name: 'files: binary garbage', category: 'files', edit: [{ bytes: 'logic.ts', data: garbage(4096, 7) }], expect: read('logic.ts', /UTF-8/) },
  { name: 'files: binary garbage in the class file', category: 'files', edit: [{ bytes: 'model.ts', data: garbage(512, 11) }], expect: read('model.ts', /UTF-8/) },
  {
    name: 'files: invalid UTF-8 in a string literal',
    category: 'files',
    edit: [{ bytes: 'logic.ts', data: join(utf8(logic.slice(0, logic.indexOf("'base'") + 3)), new Uint8Array([0xff, 0xfe]), utf8(logic.slice(logic.indexOf("'base'") + 3))) }],
    expect: read('logic.ts', /"line":6,"column":13,.*not UTF-8 text \(the byte 0xff at line 6, column 13\)/),
  },
  {
    name: 'files: Latin-1 text (an accent saved in another encoding)',
    category: 'files',
    edit: [{ bytes: 'logic.ts', data: join(utf8(logic.replace("'base'", "'caf")), new Uint8Array([0xe9]), utf8("'")) }],
    expect: read('logic.ts', /UTF-8/),
  },
  { name: 'files: a UTF-16 file', category: 'files', edit: [{ bytes: 'logic.ts', data: join(new Uint8Array([0xff, 0xfe]), new Uint8Array([...logic].flatMap((c) => [c.charCodeAt(0), 0]))) }], expect: read('logic.ts', /UTF-8|UTF-16/) },
  {
    name: 'files: a UTF-16 file without a byte order mark',
    category: 'files',
    edit: [{ bytes: 'logic.ts', data: new Uint8Array([...logic].flatMap((c) => [c.charCodeAt(0), 0])) }],
    expect: read('logic.ts', /UTF-16 text \(every other byte is zero\)/),
  },
  { name: 'files: grown to 50 MB of garbage', category: 'files', edit: [{ bytes: 'logic.ts', data: garbage(50 * 1024 * 1024, 3), atomic: true }], expect: read('logic.ts', /UTF-8/) },
  { name: 'files: grown past 64 MB', category: 'files', edit: [{ bytes: 'logic.ts', data: new Uint8Array(65 * 1024 * 1024).fill(0x20), atomic: true }], expect: read('logic.ts', /EFBIG|MB/) },
  // Half-written saves: whatever was read on the way, the final text is what runs.
  { name: 'files: a save caught half-written (a pause of 30 ms)', category: 'files', edit: half('logic.ts', logic.replace("'base'", "'half30'"), 40, 30), expect: { settles: true } },
  { name: 'files: a save caught half-written (a pause of 150 ms)', category: 'files', edit: half('logic.ts', logic.replace("'base'", "'half150'"), 40, 150), expect: { settles: true } },
  { name: 'files: a save caught half-written (a pause of 400 ms)', category: 'files', edit: half('logic.ts', logic.replace("'base'", "'half400'"), 70, 400), expect: { settles: true } },
  { name: 'files: a save cut mid-token', category: 'files', edit: half('logic.ts', logic.replace("'base'", "'midtoken'"), logic.indexOf('return') + 3, 100), expect: { settles: true } },
  { name: 'files: a class file caught half-written', category: 'files', edit: half('model.ts', model.replace('hp = 10;', 'hp = 10;\n  armor = 2;'), 30, 100), expect: { settles: true } },
  { name: 'files: the entry caught half-written', category: 'files', edit: half('main.ts', BASE['main.ts']!, 20, 100), expect: { settles: true } },
  { name: 'files: a save that first writes nothing', category: 'files', edit: half('logic.ts', logic.replace("'base'", "'after empty'"), 0, 100), expect: { settles: true } },
  // Gone for a moment: one save, not a deletion.
  {
    name: 'files: a file deleted and written back at once',
    category: 'files',
    edit: [{ write: { 'logic.ts': null } }, { write: { 'logic.ts': logic.replace("'base'", "'back'") } }],
    expect: { ok: true, state: /"label":"back"/ },
  },
  {
    name: 'files: a new file not imported by anything, broken',
    category: 'files',
    edit: { 'loose.ts': 'export const = ;\n' },
    expect: { none: true },
  },
];
