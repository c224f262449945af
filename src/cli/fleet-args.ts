// `imago fleet`'s command line (the command itself is fleet-command.ts, loaded when it runs).

import path from 'node:path';
import { parseArgs as utilParseArgs } from 'node:util';

export interface FleetArgs {
  readonly command: 'fleet';
  readonly controls: readonly string[];
  readonly files: readonly string[];
  readonly root: string | undefined;
  readonly swapTimeoutMs: number;
  readonly json: boolean;
}

export const FLEET_HELP = `Usage: imago fleet apply --control <socket> --control <socket> ... [--root <dir>] [--swap-timeout <ms>] [--json] <file>...

Applies the named files, as they are in <dir> (default: the project around the current folder), to every
image whose control socket is named, as one change: each image type-checks the texts and prepares them
(with its worker threads or --cluster workers), then all commit at their safe points, then all keep the
change, or none does. A refusal anywhere, or an image that does not answer a step within --swap-timeout
(default 2000 ms), rolls the change back everywhere. Paths are the same in every image: relative to
each image's root. Run the images with --no-watch: the change comes from this command, not their files;
copy the release into each image's root as well (rsync, your deployment tool), so that a module the
change adds is there for later changes and restarts (docs/scaling.md says how a fleet is driven).
A file named that is missing from the release is deleted where an image runs it (an error elsewhere).

Exit status: 0 applied everywhere, 1 refused (nothing changed anywhere), 2 a bad command line.
`;

export function parseFleet(args: readonly string[]): FleetArgs | { readonly command: 'error'; readonly message: string } | { readonly command: 'help' } {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') return { command: 'help' };
  if (sub !== 'apply') return { command: 'error', message: `unknown fleet command '${sub}'; the command is 'imago fleet apply' (see 'imago fleet --help')` };
  let parsed: ReturnType<typeof utilParseArgs<{ options: typeof FLEET_OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = utilParseArgs({ args: [...rest], options: FLEET_OPTIONS, allowPositionals: true, strict: true });
  } catch (e: unknown) {
    return { command: 'error', message: `${(e as Error).message.split('\n')[0]}; see 'imago fleet --help'` };
  }
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  const controls = v.control ?? [];
  if (controls.length === 0) return { command: 'error', message: "'imago fleet apply' needs the images: --control <socket> for each" };
  if (new Set(controls.map((c) => path.resolve(c))).size !== controls.length) return { command: 'error', message: '--control names the same socket twice' };
  if (parsed.positionals.length === 0)
    return { command: 'error', message: "'imago fleet apply' needs the files to apply, e.g. 'imago fleet apply --control a.sock src/handler.ts'" };
  const timeout = v['swap-timeout'] === undefined ? 2000 : Number(v['swap-timeout']);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600_000)
    return { command: 'error', message: `--swap-timeout takes a number of milliseconds (1 to 600000), got '${v['swap-timeout']}'` };
  return { command: 'fleet', controls, files: parsed.positionals, root: v.root, swapTimeoutMs: timeout, json: v.json === true };
}

const FLEET_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  control: { type: 'string', multiple: true },
  root: { type: 'string' },
  'swap-timeout': { type: 'string' },
  json: { type: 'boolean' },
} as const;
