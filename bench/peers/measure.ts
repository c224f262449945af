// The protocol the peer benchmark runs for one tool at one SETUP_MS: start the sample program, edit its
// leaf module N times (odd edits saved in place, even ones by rename), break it with a syntax error and
// fix it, then (for tools that keep the program's process) edit it many more times and read its memory.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { brokenLeafSource, LEAF, leafSource, type SaveKind, save } from './edits.js';
import { type StatusLine, sleep, ToolSession } from './session.js';
import type { Places, Tool } from './tools.js';

export interface RunOptions {
  readonly setupMs: number;
  readonly edits: number;
  /** Further edits (saved in place) before memory is read again; 0 for none. */
  readonly many: number;
  readonly log: (message: string) => void;
}

export interface EditResult {
  readonly index: number;
  readonly save: SaveKind;
  /** Durable write to the first status line with the new version, ms; null when none came in time. */
  readonly effectMs: number | null;
  /** Same state id as the line before the write, and a later tick. */
  readonly stateKept: boolean | null;
  /** Longest time between two status lines from the last one before the write to 100 ms after the effect. */
  readonly gapMs: number | null;
  /** Lines of an older version still came after the new one: old code still running beside the new. */
  readonly oldCodeAfter: boolean;
}

export interface SyntaxResult {
  /** The program stopped printing (or ended) after the broken save. */
  readonly killed: boolean;
  /** Durable write of the fix to its first status line; null when it never came. */
  readonly recoverMs: number | null;
}

export interface ManyResult {
  readonly attempted: number;
  readonly taken: number;
  readonly rssAfter: number;
  /** Set when the run stopped early. */
  readonly stopped: string | null;
}

export type RunResult =
  | { readonly kind: 'skipped'; readonly tool: string; readonly setupMs: number; readonly reason: string }
  | { readonly kind: 'failed'; readonly tool: string; readonly setupMs: number; readonly reason: string; readonly output: readonly string[] }
  | {
      readonly kind: 'ran';
      readonly tool: string;
      readonly setupMs: number;
      /** Start of the tool to its first status line. */
      readonly startMs: number;
      readonly edits: readonly EditResult[];
      readonly rssBefore: number;
      readonly rssAfter: number;
      readonly syntax: SyntaxResult;
      readonly many: ManyResult | null;
      readonly output: readonly string[];
    };

/** How long the driver waits for an edit to show before it counts the edit as missed. */
export function effectTimeout(setupMs: number): number {
  return 5000 + 2 * setupMs;
}

const WARM_UP_MS = 1000;
const SETTLE_MS = 200;
const GAP_TAIL_MS = 100;
/** Many-edit runs stop after this many edits in a row that never showed, or this many in all (each costs a timeout). */
const MISSES_IN_ROW_TO_STOP = 5;
const MISSES_TO_STOP = 20;

const leafOf = (tool: Tool, version: string): string => leafSource(version, tool.accept === 'leaf');

/** A fresh copy of the sample program for one run, with the accept line the tool asks for. */
export function prepareWorkFolder(places: Places, tool: Tool, id: string): string {
  const work = path.join(places.work, id);
  fs.rmSync(work, { recursive: true, force: true });
  const sample = path.join(places.peers, 'sample');
  // out/ is what an earlier `tsc` wrote into the sample folder by hand: each run builds its own.
  fs.cpSync(sample, work, { recursive: true, filter: (src) => src !== path.join(sample, 'out') });
  fs.writeFileSync(path.join(work, LEAF), leafOf(tool, 'v0'));
  if (tool.accept === 'entry') {
    fs.appendFileSync(
      path.join(work, 'main.ts'),
      "\n// This tool's way to take updates: run this module again (the dispose above stops the old loop).\nimport.meta.hot?.accept();\n",
    );
  }
  return work;
}

export async function runTool(places: Places, tool: Tool, id: string, options: RunOptions): Promise<RunResult> {
  const { setupMs } = options;
  const work = prepareWorkFolder(places, tool, id);
  const env: NodeJS.ProcessEnv = { ...process.env, SETUP_MS: String(setupMs), NO_COLOR: '1', FORCE_COLOR: '0', DENO_NO_UPDATE_CHECK: '1' };
  delete env['NODE_TEST_CONTEXT']; // set when the driver runs under node --test; it would change how child Node processes report
  if (tool.prepare) {
    const command = tool.prepare(places);
    const built = spawnSync(command.file, command.args, { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
    if (built.status !== 0) return { kind: 'failed', tool: tool.name, setupMs, reason: 'its first build failed', output: [built.stdout, built.stderr] };
  }
  const t0 = performance.now();
  const session = new ToolSession(tool.commands(places), work, env);
  try {
    const startLimit = 60_000 + setupMs;
    const first = await session.waitFor(() => true, startLimit);
    if (!first) {
      const reason = session.ended ? 'it ended before the program printed a status line' : `the program printed no status line within ${startLimit / 1000} s`;
      return { kind: 'failed', tool: tool.name, setupMs, reason, output: session.other };
    }
    const startMs = first.at - t0;
    await sleep(WARM_UP_MS);
    const rssBefore = session.treeRss();
    const leaf = path.join(work, LEAF);
    const edits: EditResult[] = [];
    for (let index = 1; index <= options.edits; index++) {
      const result = await editOnce(session, leaf, `e${index}`, index % 2 === 1 ? 'in place' : 'rename', tool, setupMs);
      edits.push({ index, ...result });
      options.log(`  edit ${index} (${result.save}): ${result.effectMs === null ? 'missed' : `${result.effectMs.toFixed(1)} ms`}`);
    }
    await sleep(500);
    const rssAfter = session.treeRss();
    const syntax = await breakAndFix(session, leaf, tool, setupMs);
    options.log(
      `  syntax error: ${syntax.killed ? 'killed' : 'kept running'}; fix ${syntax.recoverMs === null ? 'did not recover' : `recovered in ${syntax.recoverMs.toFixed(1)} ms`}`,
    );
    const many = options.many > 0 && tool.kind === 'hot' && syntax.recoverMs !== null ? await editMany(session, leaf, tool, options) : null;
    return { kind: 'ran', tool: tool.name, setupMs, startMs, edits, rssBefore, rssAfter, syntax, many, output: session.other };
  } finally {
    await session.stop();
  }
}

async function editOnce(session: ToolSession, leaf: string, version: string, kind: SaveKind, tool: Tool, setupMs: number): Promise<Omit<EditResult, 'index'>> {
  await sleep(SETTLE_MS);
  const since = session.lines.length;
  const last = session.lines.at(-1) ?? null;
  const written = await save(leaf, leafOf(tool, version), kind);
  const line = await session.waitFor((l) => l.version === version, effectTimeout(setupMs), since);
  if (!line) return { save: kind, effectMs: null, stateKept: null, gapMs: null, oldCodeAfter: false };
  await sleep(SETTLE_MS);
  const effectIndex = session.lines.indexOf(line, since);
  const after = session.lines.slice(effectIndex + 1).filter((l) => l.at <= line.at + SETTLE_MS);
  return {
    save: kind,
    effectMs: line.at - written,
    stateKept: last !== null && line.state === last.state && line.tick > last.tick,
    gapMs: longestGap(session.lines, Math.max(0, since - 1), line.at + GAP_TAIL_MS),
    oldCodeAfter: after.some((l) => l.version !== version),
  };
}

/** The longest time between consecutive lines from `from` (an index) up to the time `until`. */
export function longestGap(lines: readonly StatusLine[], from: number, until: number): number {
  let longest = 0;
  for (let i = from + 1; i < lines.length && lines[i]!.at <= until; i++) {
    longest = Math.max(longest, lines[i]!.at - lines[i - 1]!.at);
  }
  return longest;
}

async function breakAndFix(session: ToolSession, leaf: string, tool: Tool, setupMs: number): Promise<SyntaxResult> {
  await sleep(SETTLE_MS);
  await save(leaf, brokenLeafSource(), 'in place');
  // Time to restart and fail, or to reject the edit; then is the program still printing?
  await sleep(1500 + setupMs);
  const now = performance.now();
  const killed = session.ended || !session.lines.some((l) => l.at > now - 500);
  const since = session.lines.length;
  const written = await save(leaf, leafOf(tool, 'fixed'), 'in place');
  const line = await session.waitFor((l) => l.version === 'fixed', effectTimeout(setupMs), since);
  return { killed, recoverMs: line ? line.at - written : null };
}

async function editMany(session: ToolSession, leaf: string, tool: Tool, options: RunOptions): Promise<ManyResult> {
  let taken = 0;
  let missesInRow = 0;
  let stopped: string | null = null;
  let attempted = 0;
  for (let i = 1; i <= options.many; i++) {
    attempted = i;
    const version = `m${i}`;
    const since = session.lines.length;
    await save(leaf, leafOf(tool, version), 'in place');
    const line = await session.waitFor((l) => l.version === version, effectTimeout(options.setupMs), since);
    if (line) {
      taken++;
      missesInRow = 0;
    } else missesInRow++;
    if (session.ended) {
      stopped = 'the tool ended';
      break;
    }
    if (missesInRow >= MISSES_IN_ROW_TO_STOP) {
      stopped = `${MISSES_IN_ROW_TO_STOP} edits in a row did not show`;
      break;
    }
    if (i - taken >= MISSES_TO_STOP) {
      stopped = `${MISSES_TO_STOP} edits did not show`;
      break;
    }
    if (i % 100 === 0) options.log(`  ${i} of ${options.many} edits (${taken} shown)`);
    await sleep(20);
  }
  await sleep(1000);
  return { attempted, taken, rssAfter: session.treeRss(), stopped };
}
