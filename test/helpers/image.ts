// Images for in-process tests, disposed when the file's tests end. By default the files live in memory
// (the memory host: no disk, and time can be driven by hand); `disk: true` puts them in a temp project
// on disk with the Node host, for what needs real files (packages in node_modules, say).

import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { CompileOptions } from '../../src/compile/transpile.js';
import { createMemoryHost, type MemoryHost } from '../../src/host/memory-host.js';
import { type ChangeResult, createImage, type LiveImage } from '../../src/index.js';
import { tempProject } from './project.js';

export type Api = Record<string, unknown>;

/** Where a test's files live. */
export interface Project {
  readonly dir: string;
  /** Writes files (path relative to `dir` -> text; null deletes). */
  write(files: Record<string, string | null>): void;
  path(rel: string): string;
  remove(): void;
}

export interface LiveProject {
  readonly image: LiveImage;
  readonly project: Project;
  /** The memory host, or null on disk. */
  readonly host: MemoryHost | null;
  /** The entry's live exports. */
  readonly api: () => Api;
  /** Writes files (null deletes) and applies them as one change. */
  edit(files: Record<string, string | null>): Promise<ChangeResult>;
}

export interface StartOptions {
  /** Real files in a temp folder and the Node host. */
  readonly disk?: boolean;
  /** A manual clock (memory host only): timers run when the test advances it. */
  readonly manualClock?: boolean;
  /** Settings a tsconfig.json would give (decorators, class fields). */
  readonly compileOptions?: CompileOptions;
}

const open: LiveProject[] = [];
after(() => {
  for (const o of open) {
    o.image.dispose();
    o.project.remove();
  }
});

/** Memory projects made so far: each gets a folder of its own (stack frames name files by path). */
let projects = 0;

/** A project of `files` in memory, with its host. */
export function memoryProject(files: Record<string, string>, options: { manualClock?: boolean } = {}): { project: Project; host: MemoryHost } {
  const dir = `/memory/project-${++projects}`;
  const at = (rel: string): string => `${dir}/${rel}`;
  const host = createMemoryHost({
    files: Object.fromEntries(Object.entries({ 'package.json': '{ "type": "module" }\n', ...files }).map(([rel, text]) => [at(rel), text])),
    manualClock: options.manualClock ?? false,
  });
  const project: Project = {
    dir,
    write: (changes) => host.write(Object.fromEntries(Object.entries(changes).map(([rel, text]) => [at(rel), text]))),
    path: at,
    remove: () => undefined,
  };
  return { project, host };
}

/** Writes `files` and applies them to `image` as one change. */
export function applyEdit(image: LiveImage, project: Project, files: Record<string, string | null>): Promise<ChangeResult> {
  project.write(files);
  return image.change(Object.keys(files).map((f) => project.path(f)));
}

/** A project with `files`, loaded as an image; the first load must apply. */
export async function startImage(files: Record<string, string>, entry = 'main.ts', options: StartOptions = {}): Promise<LiveProject> {
  const { project, host } = options.disk ? { project: tempProject(files), host: null } : memoryProject(files, options);
  const image = createImage({
    entry: project.path(entry),
    root: project.dir,
    ...(host ? { host } : {}),
    ...(options.compileOptions ? { compileOptions: options.compileOptions } : {}),
  });
  const live: LiveProject = { image, project, host, api: () => image.entry!, edit: (f) => applyEdit(image, project, f) };
  open.push(live);
  const r = await image.load();
  assert.equal(r.kind, 'applied', `first load should apply: ${JSON.stringify(r)}`);
  return live;
}

/** Calls export `name` of `api`. */
export const call = (api: Api, name: string, ...args: unknown[]): unknown => (api[name] as (...a: unknown[]) => unknown)(...args);
