// `npm run bench:peers [-- options]`: imago and the tools users would pick instead, on the same sample
// program in the same run. Writes docs/benchmarks.md (bench/peers/README.md explains the method).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureLayout } from '../layout.js';
import { measureStartup } from '../startup.js';
import { type RunResult, runTool } from './measure.js';
import { type Extras, type RunInfo, renderReport } from './report.js';
import { stopAll } from './session.js';
import { missingFor, type Places, TOOLS, type Tool, versionOf } from './tools.js';

const USAGE = `usage: npm run bench:peers -- [--quick | --full] [--tools id,id] [--setup ms,ms] [--edits n] [--many n] [--out file] [--json file]
  --quick        4 edits per run, no many-edit run, SETUP_MS 0 and 2000 (the default; about 6 minutes)
  --full         20 edits per run, then 1,000 more for tools that keep the program's process (SETUP_MS=0 only)
  --tools        which tools, by id: ${TOOLS.map((t) => t.id).join(', ')}
  --setup        the SETUP_MS values to run
  --edits, --many  override the mode's counts
  --work         where each run's copy of the sample goes (default bench/peers/.work)
  --out          where the markdown goes (default docs/benchmarks.md)
  --json         where the raw results go (default: beside the markdown, as .json)
  --from file    write the markdown again from raw results saved by --json, without running anything`;

interface Options {
  readonly mode: 'quick' | 'full';
  readonly tools: readonly Tool[];
  readonly setups: readonly number[];
  readonly edits: number;
  readonly many: number;
  readonly out: string;
  readonly json: string | null;
  readonly work: string | null;
  readonly from: string | null;
}

class UsageError extends Error {}

function count(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < 0)
    throw new UsageError(`${flag} needs a whole number >= 0, got ${text === undefined ? 'nothing' : `'${text}'`}`);
  return value;
}

function parseArgs(argv: readonly string[], repo: string): Options {
  let mode: Options['mode'] = 'quick';
  let ids: string[] | null = null;
  let setups = [0, 2000];
  let edits: number | null = null;
  let many: number | null = null;
  let out = path.join(repo, 'docs', 'benchmarks.md');
  let json: string | null = null;
  let work: string | null = null;
  let from: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--quick' || flag === '--full') mode = flag === '--full' ? 'full' : 'quick';
    else if (flag === '--tools')
      ids = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--setup')
      setups = value()
        .split(',')
        .map((s) => count('--setup', s.trim()));
    else if (flag === '--edits') edits = count('--edits', value());
    else if (flag === '--many') many = count('--many', value());
    else if (flag === '--out') out = path.resolve(value());
    else if (flag === '--json') json = path.resolve(value());
    else if (flag === '--work') work = path.resolve(value());
    else if (flag === '--from') from = path.resolve(value());
    else throw new UsageError(`unknown option '${flag}'`);
  }
  const tools =
    ids === null
      ? TOOLS
      : ids.map((id) => {
          const tool = TOOLS.find((t) => t.id === id);
          if (!tool) throw new UsageError(`no tool '${id}'; the tools are ${TOOLS.map((t) => t.id).join(', ')}`);
          return tool;
        });
  return {
    mode,
    tools,
    setups,
    out,
    json,
    work,
    from,
    edits: edits ?? (mode === 'full' ? 20 : 4),
    many: many ?? (mode === 'full' ? 1000 : 0),
  };
}

function imagoVersion(repo: string): string {
  const version = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim() !== '';
    return `${version} (${commit}${dirty ? ' with uncommitted changes' : ''})`;
  } catch {
    return version;
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`;
}

// Interrupted (Ctrl-C, or a test's timeout): stop every tool first, since each leads its own process group.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

/** The full mode's other figures (bench/startup.ts, bench/layout.ts), as plain data for the report and its JSON. */
async function measureExtras(): Promise<Extras> {
  console.log('start-up against tsx (bench/startup.ts)');
  const startup = await measureStartup();
  if (startup.missing) console.log(`  not measured: ${startup.missing}`);
  console.log('a layout change at scale (bench/layout.ts)');
  const layout = await measureLayout(3);
  return {
    startup: startup.programs.map((p) => ({ name: p.name, ms: Object.fromEntries(p.ms) })),
    layout: {
      instances: layout.steps[0]?.instances ?? 0,
      heapMb: layout.heapMb,
      steps: layout.steps.map((s) => ({ name: s.name, findMs: s.discoveryMs, migrateMs: s.migrateMs, applyMs: s.applyMs })),
    },
  };
}

async function main(): Promise<void> {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2), repo);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:peers: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.from) {
    const saved = JSON.parse(fs.readFileSync(options.from, 'utf8')) as { info: RunInfo; runs: RunResult[]; restartTools: string[]; extras?: Extras | null };
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(
      options.out,
      renderReport(saved.info, saved.runs, new Set(saved.restartTools), path.relative(path.dirname(options.out), options.from), saved.extras ?? null),
    );
    console.log(`wrote ${options.out} from ${options.from}`);
    return;
  }
  const peers = path.join(repo, 'bench', 'peers');
  const places: Places = { repo, peers, work: options.work ?? path.join(peers, '.work') };
  const runs: RunResult[] = [];
  for (const setupMs of options.setups) {
    for (const tool of options.tools) {
      const missing = missingFor(tool, places);
      if (missing) {
        console.log(`${tool.name}: skipped, ${missing}`);
        runs.push({ kind: 'skipped', tool: tool.name, setupMs, reason: missing });
        continue;
      }
      console.log(`${tool.name}, SETUP_MS=${setupMs}`);
      const many = setupMs === 0 ? options.many : 0;
      const run = await runTool(places, tool, `${tool.id}-${setupMs}`, { setupMs, edits: options.edits, many, log: (m) => console.log(m) });
      if (run.kind === 'failed') console.log(`  failed: ${run.reason}\n    ${run.output.slice(-5).join('\n    ')}`);
      runs.push(run);
    }
  }
  const packages = [...new Set(options.tools.flatMap((t) => t.packages))].sort();
  const info: RunInfo = {
    date: new Date().toISOString().slice(0, 10),
    mode:
      options.mode === 'full' && options.edits === 20 && options.many === 1000
        ? 'full mode'
        : `${options.mode} mode: ${options.edits} edits, ${options.many} many-edit run`,
    command: `npm run bench:peers${options.mode === 'full' ? ' -- --full' : ''}`,
    machine: machine(),
    node: process.version,
    imago: imagoVersion(repo),
    versions: packages.map((name) => ({ name, version: versionOf(places, name) })),
    edits: options.edits,
    many: options.many,
  };
  const restartTools = new Set(options.tools.filter((t) => t.kind === 'restart').map((t) => t.name));
  const extras = options.mode === 'full' ? await measureExtras() : null;
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  const json = options.json ?? `${options.out.replace(/\.md$/, '')}.json`;
  // Sections measured by other benches (## Cluster: npm run bench cluster) are kept as they are.
  const kept = keptSections(options.out);
  fs.writeFileSync(options.out, renderReport(info, runs, restartTools, path.relative(path.dirname(options.out), json), extras) + kept);
  fs.writeFileSync(json, JSON.stringify({ info, runs, restartTools: [...restartTools], extras }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), options.out) || options.out}`);
}

await main();

/** The hand-copied sections of other benches at the end of the page (from `## Cluster:` on), to write again. */
function keptSections(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = text.indexOf('\n## Cluster:');
  return at === -1 ? '' : text.slice(at);
}
