// Images over temp projects for in-process tests, disposed (with their folders) when the file's tests end.

import assert from 'node:assert/strict';
import { after } from 'node:test';
import { type ChangeResult, createImage, type LiveImage } from '../../src/index.js';
import { type TempProject, tempProject } from './project.js';

export type Api = Record<string, unknown>;

export interface LiveProject {
  readonly image: LiveImage;
  readonly project: TempProject;
  /** The entry's live exports. */
  readonly api: () => Api;
  /** Writes files (null deletes) and applies them as one change. */
  edit(files: Record<string, string | null>): Promise<ChangeResult>;
}

const open: LiveProject[] = [];
after(() => {
  for (const o of open) {
    o.image.dispose();
    o.project.remove();
  }
});

/** Writes `files` and applies them to `image` as one change. */
export function applyEdit(image: LiveImage, project: TempProject, files: Record<string, string | null>): Promise<ChangeResult> {
  project.write(files);
  return image.change(Object.keys(files).map((f) => project.path(f)));
}

/** A temp project with `files`, loaded as an image; the first load must apply. */
export async function startImage(files: Record<string, string>, entry = 'main.ts'): Promise<LiveProject> {
  const project = tempProject(files);
  const image = createImage({ entry: project.path(entry), root: project.dir });
  const live: LiveProject = { image, project, api: () => image.entry!, edit: (f) => applyEdit(image, project, f) };
  open.push(live);
  const r = await image.load();
  assert.equal(r.kind, 'applied', `first load should apply: ${JSON.stringify(r)}`);
  return live;
}

/** Calls export `name` of `api`. */
export const call = (api: Api, name: string, ...args: unknown[]): unknown => (api[name] as (...a: unknown[]) => unknown)(...args);
