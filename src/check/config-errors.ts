// The configuration's own problems (an option TypeScript 7 removed, such as baseUrl, with its way out),
// told of the project's tsconfig.json, at the option's place, rather than of the virtual one imago gives
// TypeScript (project-config.ts).

import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { ProjectConfig } from './project-config.js';

/** The options the messages are rewritten with. */
export interface ConfigOptions {
  readonly baseUrl?: string;
  readonly paths?: Record<string, string[]>;
}

/** Line and column of `"option"` in a tsconfig.json, if it is there. */
function placeOf(file: string, option: string): { line: number; column: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const at = text.indexOf(`"${option}"`);
  if (at < 0) return null;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

/** `errors` as the project's own tsconfig.json would have them (those of the virtual config moved there); `rel` names files as the messages do. */
export function ownConfigErrors(
  errors: readonly Diagnostic[],
  options: ConfigOptions,
  config: ProjectConfig,
  root: string,
  rel: (file: string) => string,
): Diagnostic[] {
  const own = config.userConfig ? rel(config.userConfig) : 'tsconfig.json';
  return errors.map((d) => {
    if (d.file !== rel(config.path)) return d;
    const base = options.baseUrl;
    const dir = config.userConfig ? path.dirname(config.userConfig) : root;
    // Relative to the tsconfig's folder, as `paths` without baseUrl are read.
    const fromConfig = (target: string): string =>
      `./${path
        .relative(dir, path.resolve(base ?? dir, target))
        .split(path.sep)
        .join('/')}`.replace(/^\.\/$/, '.');
    const others = Object.entries(options.paths ?? {})
      .filter(([k]) => k !== '*')
      .map(([k, targets]) => `, "${k}": [${targets.map((t) => `"${fromConfig(t)}"`).join(', ')}]`)
      .join('');
    const paths = base === undefined ? null : `{"*": ["${fromConfig('*')}"]${others}}`;
    const message = paths ? d.message.replace(/\{"\*": \["[^"]*"\]\}/, paths) : d.message;
    // The option's place in the project's own tsconfig.json, when the message names one.
    const option = /Option '([\w.]+)(?:=[^']*)?'/.exec(d.message)?.[1] ?? (d.code === 'TS5090' ? 'paths' : undefined);
    const place = option && config.userConfig ? placeOf(config.userConfig, option) : null;
    return { ...d, file: own, message, frame: undefined, ...(place ?? {}) };
  });
}
