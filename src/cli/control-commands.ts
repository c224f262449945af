// `imago describe`, `imago deps` and `imago status`: one request to the running image over its control
// channel, printed (or `--json`). `deps` also works with no image running: from the files.

import fs from 'node:fs';
import path from 'node:path';
import { WorkerTypeGate } from '../check/type-gate.js';
import type { Reply } from '../host/control/protocol.js';
import { declaringFile } from '../host/edit/declared.js';
import { connectControl } from './control-client.js';
import { depsText, describedText, statusText } from './control-print.js';

export interface Target {
  readonly module: string | undefined;
  readonly name: string;
  readonly member: string | undefined;
}

/** `world.ts:Critter.x` -> module world.ts, name Critter, member x; a bare `Critter` is the entry's. */
export function parseTarget(text: string): Target | string {
  const colon = text.lastIndexOf(':');
  const module = colon > 0 ? text.slice(0, colon) : undefined;
  const rest = colon > 0 ? text.slice(colon + 1) : text;
  const [name, member, extra] = rest.split('.');
  if (!name || !/^[A-Za-z_$][\w$]*$/.test(name) || (member !== undefined && !/^#?[A-Za-z_$][\w$]*$/.test(member)) || extra !== undefined)
    return `'${text}' is not <module>:<name>[.<member>], e.g. 'src/world.ts:Critter' or 'src/world.ts:Critter.x'`;
  return { module, name, member };
}

function failed(reply: Reply): string | null {
  return reply.kind === 'error' ? reply.message : null;
}

export async function describeCommand(socket: string, target: Target, options: { json: boolean; instances: boolean }): Promise<number> {
  if (target.member) throw new Error(`describe takes a top-level name (<module>:<name>); for what references ${target.name}.${target.member}: imago deps`);
  const client = await connectControl(socket);
  try {
    const reply = await client.request({
      kind: 'describe',
      name: target.name,
      ...(target.module ? { module: target.module } : {}),
      instances: options.instances,
      colors: !options.json && process.stdout.isTTY === true,
    });
    const problem = failed(reply);
    if (problem) throw new Error(problem);
    process.stdout.write(options.json ? `${JSON.stringify(reply, null, 2)}\n` : `${describedText(reply as Extract<Reply, { kind: 'described' }>)}\n`);
    return 0;
  } finally {
    client.close();
  }
}

export async function statusCommand(socket: string, json: boolean): Promise<number> {
  const client = await connectControl(socket);
  try {
    const reply = await client.request({ kind: 'status' });
    const problem = failed(reply);
    if (problem) throw new Error(problem);
    process.stdout.write(json ? `${JSON.stringify(reply, null, 2)}\n` : `${statusText(reply as Extract<Reply, { kind: 'status' }>)}\n`);
    return 0;
  } finally {
    client.close();
  }
}

/** Asks the running image; with none running, a checker of the project's files (`entry`: the program to open). */
export async function depsCommand(socket: string, target: Target, options: { json: boolean; root: string; entry: string | undefined }): Promise<number> {
  let reply: Reply;
  let offline = false;
  const client = await connectControl(socket).catch((e: Error) => {
    if (!/no imago is running/.test(e.message)) throw e;
    return null;
  });
  if (client) {
    try {
      reply = await client.request({
        kind: 'deps',
        name: target.name,
        ...(target.module ? { module: target.module } : {}),
        ...(target.member ? { member: target.member } : {}),
      });
    } finally {
      client.close();
    }
  } else {
    offline = true;
    reply = await offlineDeps(target, options.root, options.entry);
  }
  const problem = failed(reply);
  if (problem) throw new Error(problem);
  const deps = reply as Extract<Reply, { kind: 'deps' }>;
  process.stdout.write(options.json ? `${JSON.stringify({ ...deps, offline }, null, 2)}\n` : `${depsText(deps, offline)}\n`);
  return 0;
}

async function offlineDeps(given: Target, root: string, entry: string | undefined): Promise<Reply> {
  let target = given;
  const candidates = target.module ? [path.resolve(target.module), path.resolve(root, target.module)] : [];
  const named = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (target.module && !named) throw new Error(`module '${target.module}' not found (looked at ${[...new Set(candidates)].join(' and ')})`);
  // The module that declares it: the one named (or the one it imports it from), else the one project file that does.
  const declared = declaringFile(root, target.name, named);
  if (typeof declared === 'string') throw new Error(`${declared}; name its module: 'imago deps <module>:${target.name}'`);
  const file = declared.file;
  target = { ...target, name: declared.name };
  if (entry && !fs.existsSync(path.resolve(entry))) throw new Error(`--entry file '${entry}' not found (looked at ${path.resolve(entry)})`);
  const program = entry ? path.resolve(entry) : (guessEntry(root) ?? file);
  const { gate } = await WorkerTypeGate.open({ root, entry: program });
  try {
    const answer = await gate.query({ kind: 'deps', file, name: target.name, ...(target.member ? { member: target.member } : {}) });
    if (!answer.found) {
      const hint = /not part of the type-checked program/.test(answer.message)
        ? ` (the program opened is ${path.relative(root, program) || program}, and does not import it: name the entry that does with --entry <file>)`
        : '';
      return { kind: 'error', id: 0, code: 'not-found', message: `${answer.message}${hint}` };
    }
    const { kind: _k, id: _i, ...rest } = answer;
    const rel = path.relative(root, file);
    return { ...rest, kind: 'deps', id: 0, target: `${rel}:${target.name}${target.member ? `.${target.member}` : ''}`, stores: [] };
  } finally {
    gate.close();
  }
}

/** The program's entry as `imago check` finds it: package.json "main" (TypeScript), else the usual places. */
export function guessEntry(root: string): string | null {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main?: unknown };
    if (typeof pkg.main === 'string' && /\.(ts|tsx|mts)$/.test(pkg.main) && fs.existsSync(path.join(root, pkg.main))) return path.join(root, pkg.main);
  } catch {
    /* no package.json: try the usual places */
  }
  for (const candidate of ['src/main.ts', 'main.ts', 'src/index.ts', 'index.ts'])
    if (fs.existsSync(path.join(root, candidate))) return path.join(root, candidate);
  return null;
}

/** `imago inspect`: opens (or closes) the image's inspector and prints its address. */
export async function inspectCommand(socket: string, options: { json: boolean; port: number | undefined; close: boolean }): Promise<number> {
  const client = await connectControl(socket);
  try {
    const reply = await client.request({
      kind: 'inspector',
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.close ? { close: true } : {}),
    });
    const problem = failed(reply);
    if (problem) throw new Error(problem);
    const { url } = reply as Extract<Reply, { kind: 'inspector' }>;
    process.stdout.write(options.json ? `${JSON.stringify(reply, null, 2)}\n` : url === null ? 'the inspector is closed\n' : `${url}\n`);
    return 0;
  } finally {
    client.close();
  }
}
