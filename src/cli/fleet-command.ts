// `imago fleet apply`: one change to several running images at once (docs/scaling.md), each reached
// through its control socket: every image type-checks and prepares the texts (and has its own threads or
// worker processes prepare them), then all commit at their safe points, then all keep the change, or
// all roll it back. The coordinator is the cohort's (host/cohort/coordinator.ts) over control sockets.

import fs from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../compile/diagnostic.js';
import { Coordinator, type MemberLink } from '../host/cohort/coordinator.js';
import { TAG, type ToCoordinator, type ToMember } from '../host/cohort/messages.js';
import type { FleetAnswer, FleetStep } from '../host/control/protocol.js';
import { type ControlClient, connectControl } from './control-client.js';
import type { FleetArgs } from './fleet-args.js';

/** One image of the fleet, reached through its control socket: a cohort step is one request. */
function controlLink(client: ControlClient, socket: string, heard: () => (m: ToCoordinator) => void, withinMs: number): MemberLink {
  const ask = async (step: FleetStep, round: number): Promise<ToCoordinator | null> => {
    const reply = await client.request({ kind: 'fleet', step }).catch((e: unknown) => ({ kind: 'error' as const, message: (e as Error).message }));
    if (reply.kind !== 'fleet') {
      const message = `the image at ${socket} failed the step: ${'message' in reply ? reply.message : reply.kind}`;
      return {
        imago: TAG,
        t: 'refused',
        id: round,
        refusal: { phase: 'coordinate', errors: [{ file: '', line: 1, column: 1, code: 'IMAGO_FLEET', message }] },
      };
    }
    return fromAnswer(reply.answer, round);
  };
  return {
    name: `the image at ${socket}`,
    send(m: ToMember): void {
      const step: FleetStep =
        m.t === 'prepare'
          ? { t: 'prepare', round: m.id, texts: m.texts, paths: m.paths, withinMs }
          : m.t === 'commit'
            ? { t: 'commit', round: m.id, withinMs }
            : { t: 'finish', round: m.id, keep: m.keep };
      void ask(step, m.id).then((answer) => {
        if (answer) heard()(answer);
      });
    },
  };
}

/** Resolves null after `ms`. */
function after(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
}

function fromAnswer(a: FleetAnswer, round: number): ToCoordinator | null {
  switch (a.t) {
    case 'prepared':
      return { imago: TAG, t: 'prepared', id: round, files: a.files };
    case 'ready':
      return { imago: TAG, t: 'ready', id: round };
    case 'applied':
      return a.summary ? { imago: TAG, t: 'applied', id: round, summary: a.summary } : null;
    case 'refused':
      return { imago: TAG, t: 'refused', id: round, refusal: { phase: a.phase, errors: a.errors } };
    default:
      return null;
  }
}

export async function fleetCommand(args: FleetArgs, root: string): Promise<number> {
  const texts = new Map<string, string | null>();
  for (const file of args.files) {
    const abs = path.resolve(root, file);
    const rel = path.relative(root, abs);
    if (rel.startsWith('..')) throw new Error(`${file} is outside ${root}: name files of the project (--root <dir>)`);
    try {
      texts.set(rel, fs.readFileSync(abs, 'utf8'));
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(e as Error).message}`);
      texts.set(rel, null);
    }
  }
  // Every image is reached before anything is asked: one that cannot be is a refusal of the whole change.
  const clients = await Promise.all(args.controls.map((c) => connectControl(path.resolve(c)).then((client) => ({ client, socket: c }))));
  const out: string[] = [];
  const t0 = performance.now();
  const coordinator = new Coordinator({ hollow: true, timeoutMs: args.swapTimeoutMs + 1000, root, notice: (m) => out.push(m), local: false });
  try {
    for (const { client, socket } of clients) {
      let heard: ((m: ToCoordinator) => void) | null = null;
      const link = controlLink(client, socket, () => heard!, args.swapTimeoutMs);
      heard = coordinator.join(link);
      // An image busy in a long synchronous run answers nothing: nothing is asked of any image then.
      const joined = await Promise.race([client.request({ kind: 'fleet', step: { t: 'join' } }), after(args.swapTimeoutMs)]);
      if (joined === null)
        throw new Error(`the image at ${socket} did not answer within ${args.swapTimeoutMs} ms (--swap-timeout): it is busy; nothing was changed in any image`);
      if (joined.kind !== 'fleet' || joined.answer.t !== 'held')
        throw new Error(`the image at ${socket} cannot take part in a fleet: ${joined.kind === 'error' ? joined.message : joined.kind}`);
      heard({ imago: TAG, t: 'held', paths: joined.answer.paths, texts: [] });
    }
    const paths = [...texts.keys()];
    // A file missing from the release is a deletion only where an image runs it; anywhere else, a mistake.
    const absent = paths.filter((p) => texts.get(p) === null && !coordinator.holds(p));
    if (absent.length > 0) throw new Error(`no such file in ${root}: ${absent.join(', ')} (and no image runs it): nothing was changed in any image`);
    const prepared = await coordinator.prepare(texts, paths);
    const outcome = prepared.ok ? await coordinator.commit() : prepared;
    if (prepared.ok && prepared.members === 0) return report(args, { ok: true, files: [], images: 0, ms: performance.now() - t0 }, out);
    if (!outcome.ok) return report(args, { ok: false, phase: outcome.phase, errors: outcome.errors, ms: performance.now() - t0 }, out);
    await coordinator.finish(true);
    return report(args, { ok: true, files: prepared.ok ? prepared.files : [], images: prepared.ok ? prepared.members : 0, ms: performance.now() - t0 }, out);
  } finally {
    for (const { client } of clients) client.close();
  }
}

type Outcome =
  | { readonly ok: true; readonly files: readonly string[]; readonly images: number; readonly ms: number }
  | { readonly ok: false; readonly phase: string; readonly errors: readonly import('../compile/diagnostic.js').Diagnostic[]; readonly ms: number };

function report(args: FleetArgs, outcome: Outcome, notices: readonly string[]): number {
  if (args.json) process.stdout.write(`${JSON.stringify({ ...outcome, notices })}\n`);
  else {
    for (const n of notices) process.stderr.write(`imago fleet: ${n}\n`);
    if (outcome.ok && outcome.images === 0) process.stdout.write('nothing to change: no image runs these files, or they run them as they are\n');
    else if (outcome.ok)
      process.stdout.write(`applied ${outcome.files.join(', ')} in ${outcome.images} of ${args.controls.length} images in ${outcome.ms.toFixed(1)} ms\n`);
    else {
      process.stdout.write(`refused (${outcome.phase}): nothing changed in any image\n`);
      for (const e of outcome.errors) process.stdout.write(`${formatDiagnostic(e)}\n`);
    }
  }
  return outcome.ok ? 0 : 1;
}
