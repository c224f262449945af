// What imago says when a package.json of the project changes while the program runs. Module kinds (its
// "type") are read once, when a module first loads (node-host.ts): a change applies at the next start,
// and a package.json that no longer parses would stop that start. Said as it is saved, never silently.

import fs from 'node:fs';

/** The "type" a package.json text gives ('' when none), or an error message when it is not JSON. */
export function packageType(text: string): { type: string } | { error: string } {
  try {
    const pkg = JSON.parse(text) as unknown;
    if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) return { error: 'it is not a JSON object' };
    const type = (pkg as { type?: unknown }).type;
    return { type: typeof type === 'string' ? type : '' };
  } catch (e: unknown) {
    return { error: (e as Error).message };
  }
}

const kindOf = (type: string): string => (type === 'module' ? 'ES modules' : 'CommonJS');

/**
 * The notice for `file` (shown as `rel`) after a change, given the "type" the program started with
 * (null: not known); null when there is nothing to say.
 */
export function packageJsonNotice(file: string, rel: string, startType: string | null): string | null {
  let text: string | null;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = null;
  }
  if (text === null) {
    return startType === 'module'
      ? `${rel} was deleted: the program keeps running as it started (ES modules); a restart would run its .ts files as CommonJS`
      : null;
  }
  const read = packageType(text);
  if ('error' in read)
    return `${rel} is not valid JSON (${read.error}): the program keeps running as it started, but Node and imago's next start cannot read it; fix it`;
  if (startType !== null && kindOf(read.type) !== kindOf(startType))
    return `${rel} now makes its .ts files ${kindOf(read.type)} (they started as ${kindOf(startType)}): module kinds are fixed when imago starts; restart imago to run them that way`;
  return null;
}
