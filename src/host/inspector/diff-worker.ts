// The inspector's diffs, computed off the program's thread: a worker thread that takes two texts and
// answers their unified diff, or null when they differ too much to diff within TIMEOUT_MS.

import { parentPort } from 'node:worker_threads';
import { createTwoFilesPatch } from 'diff';

export interface DiffAsked {
  readonly id: number;
  readonly file: string;
  readonly before: string | null;
  readonly after: string | null;
}

export interface DiffAnswered {
  readonly id: number;
  readonly patch: string | null;
}

const TIMEOUT_MS = 5000;

parentPort?.on('message', (asked: DiffAsked) => {
  const { id, file, before, after } = asked;
  const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, before ?? '', after ?? '', before === null ? '(new)' : '', after === null ? '(gone)' : '', {
    context: 3,
    timeout: TIMEOUT_MS,
  });
  parentPort?.postMessage({ id, patch: patch ?? null } satisfies DiffAnswered);
});
