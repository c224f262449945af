// What the soak reads from outside the program: the memory of imago's process tree (proportional set
// size, so pages shared with another process count once across them) and the events file as it grows.

import fs from 'node:fs';

/** A process and every descendant, from /proc (threads' children included). */
export function processTree(pid: number): number[] {
  const out = [pid];
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch {
      continue; // the thread ended while we read
    }
    for (const child of children ? children.split(/\s+/) : []) out.push(...processTree(Number(child)));
  }
  return out;
}

/** PSS in bytes of `pid` and its descendants, each process by its command's name. */
export function treePss(pid: number): { total: number; byProcess: Array<{ pid: number; name: string; pss: number }> } {
  const byProcess: Array<{ pid: number; name: string; pss: number }> = [];
  for (const p of processTree(pid)) {
    try {
      const rollup = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      const kb = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? Number.NaN);
      const name = fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      byProcess.push({ pid: p, name, pss: kb * 1024 });
    } catch {
      // the process ended while we read: it holds nothing now
    }
  }
  return { total: byProcess.reduce((n, p) => n + p.pss, 0), byProcess };
}

/** Reads the JSON lines appended to a file since the last call (a partial last line waits for its end). */
export class LineTail<T> {
  #offset = 0;
  #partial = '';

  constructor(readonly file: string) {}

  read(): T[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.#offset) return [];
      const buffer = Buffer.alloc(size - this.#offset);
      const got = fs.readSync(fd, buffer, 0, buffer.length, this.#offset);
      this.#offset += got;
      const lines = (this.#partial + buffer.subarray(0, got).toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      return lines.filter(Boolean).map((l) => JSON.parse(l) as T);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
