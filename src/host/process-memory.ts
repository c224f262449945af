// How much memory a process and its descendants hold: read from /proc (Linux), null where there is none.

import fs from 'node:fs';

/** Resident set of process `pid` and its descendants, in bytes (null where /proc cannot say). */
export function treeRss(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    let kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) kb += (treeRss(Number(child)) ?? 0) / 1024;
    }
    return kb * 1024;
  } catch {
    return null;
  }
}
