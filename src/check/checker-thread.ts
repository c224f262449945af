// The checker: a worker thread that owns TypeScript 7's native checker through its synchronous API (a Go
// process behind pipes; ARCHITECTURE.md fact 7: 3 ms for one edited file, 32 ms for a type felt by 30
// files). The sync calls block this thread only: the program's event loop never waits on them. A thread
// rather than a child process (as it was): TypeScript 7.0's sync client is plain JavaScript over the
// pipes (no native addon to crash with its Go process: a dead process is an exception here), and a
// thread costs ~17 MB where a Node process cost ~40 MB and 100 ms to start (measured with the peer benchmark: docs/benchmarks.md).
// One checker serves the gate, the queries and the background check of the whole program; the
// background check runs in slices and gives way to any question that comes in.

import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { API, type Project, type Snapshot, type Diagnostic as TsDiagnostic } from 'typescript/unstable/sync';
import type { Diagnostic } from '../compile/diagnostic.js';
import type { PathAliases } from '../runtime/resolve.js';
import type { Checked } from './checker-queries.js';
import { type ConfigOptions, ownConfigErrors } from './config-errors.js';
import { checkerFileSystem, IMAGO_SOURCES, virtualImagoPackage } from './imago-types.js';
import type { ImportGraph } from './import-graph.js';
import { ambientDeclarations, type ProjectConfig, projectConfig, settingsOf } from './project-config.js';
import type { CheckerSetup, FromChecker, ToChecker } from './protocol.js';
import { convertDiagnostics } from './ts-diagnostics.js';
import { onTypescriptEnd, sessionOfItsOwn, typescriptPid } from './typescript-process.js';

/** How long the background check holds the thread before it looks for questions waiting. */
const SLICE_MS = 3;

/** TS7016: a package without type declarations. Reported once as a notice, not as an error per import. */
const NO_DECLARATIONS = 7016;
/** TS2688: a `types` entry with no declarations found. */
const NO_TYPE_DEFINITION = 2688;

interface State {
  readonly setup: CheckerSetup;
  readonly config: ProjectConfig;
  readonly api: API;
  snapshot: Snapshot;
  project: Project;
  /** Made once its module is loaded (after the first check: the first check needs none). */
  graph: ImportGraph | null;
  readonly noticed: Set<string>;
  /** Project files of the program at the last check. */
  known: Set<string>;
  /** True until the first check after opening: the snapshot is new. */
  fresh: boolean;
  /** The import graph covers every project file (built after the first reply, or when first needed). */
  graphReady: boolean;
  readonly aliases: PathAliases | null;
  /** The files a failed check covered: checked again with every change until a check passes. */
  failedScope: Set<string>;
  /** Texts of the files as the first whole check saw them, for building the graph after answering. */
  firstTexts: Map<string, string> | null;
  /** Counts the snapshots: a background check that sees it move on was overtaken by a question. */
  generation: number;
}

let state: State | null = null;

// Loaded after the first answer, not before it: the first check is on the critical path of every start.
let graphModule: Promise<typeof import('./import-graph.js')> | null = null;
let queriesModule: Promise<typeof import('./checker-queries.js')> | null = null;
/** The import graph of `s`, made when first needed. */
async function graphOf(s: State): Promise<ImportGraph> {
  graphModule ??= import('./import-graph.js');
  const { ImportGraph } = await graphModule;
  s.graph ??= new ImportGraph(s.aliases);
  return s.graph;
}
/** The texts of the files a check was asked about, as the question gave them: served to TypeScript. */
const served = new Map<string, string | null>();
if (!parentPort) throw new Error('imago: checker-thread.js runs as a worker thread');
const port = parentPort;
const send = (message: FromChecker): void => port.postMessage(message);

const rel =
  (root: string) =>
  (file: string): string => {
    const r = path.relative(root, file);
    return r.startsWith('..') ? file : r;
  };

/** `"types": ["node"]` in a project without @types/node: imago's own copy of Node's types is in the program. */
const suppliedNodeTypes = (config: ProjectConfig, d: TsDiagnostic): boolean =>
  d.code === NO_TYPE_DEFINITION && config.suppliesNodeTypes && /'node'/.test(d.text);

/** Project files of the program (not the standard library, not packages, not imago's own types). */
function programFiles(s: State): string[] {
  const extra = new Set(s.config.extraFiles);
  return s.project.program
    .getSourceFileNames()
    .filter((f) => !f.includes('/node_modules/') && !f.startsWith(IMAGO_SOURCES) && !extra.has(f) && !/\/lib\.[\w.]+\.d\.ts$/.test(f));
}

function open(setup: CheckerSetup): FromChecker {
  const t0 = performance.now();
  // The virtual tsconfig depends on what the project's own config includes, which the API reads: the
  // file-system callback serves whatever `config` holds when the checker asks.
  let config: ProjectConfig = projectConfig(setup.root, setup.entry);
  const api = new API({
    cwd: setup.root,
    fs: checkerFileSystem(virtualImagoPackage(setup.root), () => config, served),
    ...sessionOfItsOwn(),
  });
  config = projectConfig(setup.root, setup.entry, ambientDeclarations(api, setup.root, setup.entry));
  const snapshot = api.updateSnapshot({ openProjects: [config.path] });
  const project = snapshot.getProject(config.path);
  if (!project) throw new Error(`TypeScript could not open the project at ${setup.root}`);
  const settings = settingsOf(project.compilerOptions as Parameters<typeof settingsOf>[0], setup.root);
  const aliases = settings.aliases;
  state = {
    setup,
    config,
    api,
    snapshot,
    project,
    aliases,
    graph: null,
    noticed: new Set(),
    known: new Set(),
    fresh: true,
    graphReady: false,
    firstTexts: null,
    failedScope: new Set(),
    generation: 0,
  };
  const files = programFiles(state);
  state.known = new Set(files);
  const errors = ownConfigErrors(
    convertDiagnostics(
      [...project.program.getConfigFileParsingDiagnostics(), ...project.program.getProgramDiagnostics()].filter((d) => !suppliedNodeTypes(config, d)),
      rel(setup.root),
    ),
    project.compilerOptions as ConfigOptions,
    config,
    setup.root,
    rel(setup.root),
  );
  const pid = typescriptPid(api);
  // Said at once, not at the next question: the next change then finds a new checker.
  if (pid !== null) onTypescriptEnd(api, (how) => state?.api === api && send({ kind: 'ended', pid, how }));
  return {
    kind: 'opened',
    ms: performance.now() - t0,
    files: files.length,
    config: config.userConfig ?? 'imago defaults (no tsconfig.json)',
    errors,
    settings,
    pid,
  };
}

/** tsconfig.json, jsconfig.json and their variants (tsconfig.base.json): TypeScript's configurations. */
const CONFIG = /^[tj]sconfig(?:\..*)?\.json$/;

function check(id: number, given: ReadonlyArray<readonly [string, string | null]>, all: boolean): FromChecker {
  const s = state;
  if (!s) return { kind: 'failed', id, message: 'the checker is not open' };
  const t0 = performance.now();
  // A configuration is read from the disk when a checker starts (a change of it starts a new one), never
  // served: a text of it read early in a batch (a half-written save) made a checker check with defaults.
  const texts = given.filter(([f]) => !CONFIG.test(path.basename(f)));
  // The changed files' texts come with the question (the image read them once, for the compiler too):
  // served to TypeScript instead of the disk, so the check is of exactly what the change compiles.
  served.clear();
  for (const [f, text] of texts) served.set(f, text);
  const changed = texts.map(([f]) => f);
  if (all && !s.fresh) {
    // A whole-program check of a checker that answered before (a first load retried): read everything again.
    moveTo(s, { invalidateAll: true });
  } else if (changed.length > 0) {
    // Every file touched since the last check, known to the program or not: a file created (or
    // restored) after an import of it failed must reach the checker too.
    const present = changed.filter((f) => typeof served.get(f) === 'string');
    const deleted = texts.filter(([, text]) => text === null).map(([f]) => f);
    moveTo(s, { changed: present.filter((f) => s.known.has(f)), created: present.filter((f) => !s.known.has(f)), deleted });
  }
  s.fresh = false;
  const program = s.project.program;
  const raw: TsDiagnostic[] = [];
  let scope: string[];
  let known: Set<string>;
  if (all) {
    known = new Set(programFiles(s));
    // The whole program in two calls (a call per file costs a round trip to the checker each).
    scope = [...known];
    for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics(), ...program.getGlobalDiagnostics()]) {
      if (!d.fileName || known.has(d.fileName)) raw.push(d);
    }
    for (const f of changed) if (s.graphReady) s.graph?.update(f, served.get(f));
    if (!s.graphReady && !s.firstTexts) {
      // Keep the texts checked now (~2 ms for 200 files): the graph built after answering must describe
      // what the checker saw, not an edit saved since.
      s.firstTexts = new Map();
      for (const f of known) {
        try {
          s.firstTexts.set(f, fs.readFileSync(f, 'utf8'));
        } catch {
          /* deleted meanwhile: analyzed from disk later */
        }
      }
    }
  } else {
    const graph = s.graph;
    if (!graph) throw new Error('imago: the import graph is made before a scoped check');
    if (!s.graphReady)
      buildGraph(
        s,
        graph,
        [...s.known].filter((f) => !changed.includes(f)),
      );
    const linksBefore = changed.map((f) => graph.linksOf(f));
    const apiChanged = new Map<string, boolean>();
    for (const f of changed) apiChanged.set(f, graph.update(f, served.get(f)));
    // The program's files change only with what the changed files name (every specifier, resolved by
    // imago or not, and every `/// <reference>`): asking TypeScript for them costs a round trip with
    // every file's name (~0.7 ms of a 6 ms check). A file created, deleted or not analyzed asks.
    const sameFiles = changed.every((f, i) => linksBefore[i] !== undefined && linksBefore[i] === graph.linksOf(f));
    known = sameFiles && s.known.size > 0 ? s.known : new Set(programFiles(s));
    // Files new to the program (a new import) are checked and analyzed too.
    for (const f of known) if (!apiChanged.has(f) && !s.known.has(f)) apiChanged.set(f, graph.update(f));
    // A scope that failed stays in scope until a check passes: saving again (or touching another file)
    // must not slip past errors the last check found.
    scope = [...new Set([...graph.scope(apiChanged), ...s.failedScope])].filter((f) => known.has(f));
    for (const f of scope) raw.push(...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f));
  }
  s.known = known;
  const notices: string[] = [];
  const gated = raw.filter((d) => {
    if (suppliedNodeTypes(s.config, d)) return false;
    if (d.code !== NO_DECLARATIONS) return true;
    if (!s.noticed.has(d.text)) {
      s.noticed.add(d.text);
      notices.push(`${d.text} (TS${d.code}; imago reports this once and does not block changes on it)`);
    }
    return false;
  });
  const errors: Diagnostic[] = convertDiagnostics(gated, rel(s.setup.root), served);
  if (!all || s.failedScope.size === 0) s.failedScope = errors.length > 0 ? new Set(scope) : new Set();
  const checked = scope.length;
  return { kind: 'checked', id, ms: performance.now() - t0, checked, errors, notices, files: [...known] };
}

type FileChanges = NonNullable<Parameters<API['updateSnapshot']>[0]>['fileChanges'];

/** Moves the checker to a new snapshot with `changes`: what the next diagnostics describe. */
function moveTo(s: State, changes: FileChanges): void {
  s.snapshot.dispose();
  s.snapshot = s.api.updateSnapshot({ fileChanges: changes });
  const project = s.snapshot.getProject(s.config.path);
  if (!project) throw new Error('TypeScript lost the project');
  s.project = project;
  s.generation++;
}

/**
 * The background check: every project file of the program as the last check left it, a file at a
 * time, in slices of SLICE_MS between which the questions waiting are answered first. A question that
 * moves the checker on (a check, a probe) overtakes it: it answers `overtaken`, and the next applied
 * change asks again. It leaves the gate's own state (its failed scope, its known files) as it was.
 */
async function background(id: number): Promise<FromChecker> {
  const s = state;
  if (!s) return { kind: 'failed', id, message: 'the checker is not open' };
  const t0 = performance.now();
  const generation = s.generation;
  const files = programFiles(s);
  const known = new Set(files);
  const overtaken = (): FromChecker => ({ kind: 'background', id, ms: performance.now() - t0, checked: 0, errors: [], overtaken: true });
  const raw: TsDiagnostic[] = s.project.program.getGlobalDiagnostics().filter((d) => !d.fileName || known.has(d.fileName));
  let i = 0;
  while (i < files.length) {
    const until = performance.now() + SLICE_MS;
    const program = s.project.program;
    for (; i < files.length && performance.now() < until; i++) {
      const f = files[i]!;
      raw.push(...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f));
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (state !== s || s.generation !== generation) return overtaken();
  }
  const errors = convertDiagnostics(
    raw.filter((d) => !suppliedNodeTypes(s.config, d) && d.code !== NO_DECLARATIONS),
    rel(s.setup.root),
  );
  return { kind: 'background', id, ms: performance.now() - t0, checked: files.length, errors, overtaken: false };
}

/** Analyzes every project file's imports and declarations (~0.7 ms a file, mostly oxc's AST transfer). */
function buildGraph(s: State, graph: ImportGraph, files: Iterable<string>): void {
  graph.asOf(s.known, () => {
    for (const f of files) graph.update(f, s.firstTexts?.get(f));
  });
  s.graphReady = true;
  s.firstTexts = null;
}

/** What the queries need of the checker: its project, and how to serve one file's text for a moment. */
function checked(s: State): Checked {
  return {
    project: () => s.project,
    serve: (file, text) => {
      if (text === null) served.delete(file);
      else served.set(file, text);
      moveTo(s, { changed: [file] });
      s.api.clearSourceFileCache();
    },
    rel: rel(s.setup.root),
  };
}

/** A REPL probe, a deps or a symbol question: answered from the program as the last check left it. */
async function query(m: Extract<ToChecker, { kind: 'probe' | 'deps' | 'symbol' | 'spans' }>): Promise<FromChecker> {
  queriesModule ??= import('./checker-queries.js');
  const { deps, probe, referenceSpans, symbolInfo } = await queriesModule;
  const s = state;
  if (!s) return { kind: 'failed', id: m.id, message: 'the checker is not open' };
  const t0 = performance.now();
  // The client keeps the syntax trees it fetched by path, across snapshots: one fetched before a change
  // would place references by the old text. The queries fetch fresh ones.
  s.api.clearSourceFileCache();
  // The files may change after a question: the next whole-program check reads them again.
  s.fresh = false;
  try {
    const c = checked(s);
    switch (m.kind) {
      case 'probe':
        return { kind: 'probed', id: m.id, ...probe(c, m.file, m.text, m.from, m.completeAt), ms: performance.now() - t0 };
      case 'deps':
        return { kind: 'deps', id: m.id, ...deps(c, m.file, m.name, m.member), ms: performance.now() - t0 };
      case 'symbol':
        return { kind: 'symbol', id: m.id, ...symbolInfo(c, m.file, m.name), ms: performance.now() - t0 };
      case 'spans':
        return { kind: 'spans', id: m.id, ...referenceSpans(c, m.file, m.name, m.member, m.newName), ms: performance.now() - t0 };
    }
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    // A broken pipe to TypeScript's process: no question will be answered again.
    const fatal = /\b(?:EBADF|EPIPE|ECONNRESET|ERR_STREAM_DESTROYED)\b|closed|not running|lost the project/i.test(message);
    return { kind: 'failed', id: m.id, message, fatal };
  } finally {
    served.clear();
  }
}

/** One message at a time, in order: a check that waits for a module holds the questions after it. */
async function handle(message: ToChecker): Promise<void> {
  switch (message.kind) {
    case 'open':
      try {
        send(open(message.setup));
      } catch (e: unknown) {
        send({ kind: 'failed', id: -1, message: e instanceof Error ? e.message : String(e) });
      }
      // Loaded while the program compiles, so the graph is built as soon as the first check is answered.
      graphModule ??= import('./import-graph.js');
      graphModule.catch(() => undefined);
      break;
    case 'check':
      try {
        if (!message.all && state) await graphOf(state);
        send(check(message.id, message.changed, message.all));
      } catch (e: unknown) {
        send({ kind: 'failed', id: message.id, message: e instanceof Error ? e.message : String(e) });
      } finally {
        served.clear();
      }
      // The import graph is only needed to scope later edits: build it after the answer is on its way.
      if (state && !state.graphReady) buildGraph(state, await graphOf(state), state.known);
      break;
    case 'background':
      // Not waited for: it runs in slices, between which the questions after it are answered.
      void background(message.id).then(send, (e: unknown) =>
        send({ kind: 'failed', id: message.id, message: e instanceof Error ? e.message : String(e), fatal: true }),
      );
      break;
    case 'probe':
    case 'deps':
    case 'symbol':
    case 'spans':
      send(await query(message));
      break;
    case 'close':
      try {
        state?.api.close();
      } catch {
        /* TypeScript's process is gone already: nothing is left to close */
      }
      state = null;
      port.close();
      break;
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToChecker) => {
  queue = queue.then(
    () => handle(message),
    () => handle(message),
  );
});
