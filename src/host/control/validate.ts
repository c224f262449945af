// Reading one line of the control channel: JSON, then the shape of a request. Anything else is told
// back as an error reply that says what was wrong; nothing a client sends reaches the image unread.

import { EDIT_COMMANDS } from '../edit/commands.js';
import { type ErrorCode, EVENT_KINDS, type EventKind, type Request, type RequestId } from './protocol.js';

export type Read =
  | { readonly ok: true; readonly request: Request }
  | { readonly ok: false; readonly id: RequestId | null; readonly code: ErrorCode; readonly message: string; readonly fatal: boolean };

type Shape = Record<string, 'string' | 'number' | 'count' | 'port' | 'boolean' | 'typecheck' | 'events' | 'edit' | 'root' | 'path' | 'fleet'>;

/** Each kind's fields (required ones end in `!`). */
const SHAPES: Readonly<Record<Request['kind'], Shape>> = {
  hello: { client: 'string' },
  eval: { 'code!': 'string', module: 'string', typecheck: 'typecheck', timeoutMs: 'number', colors: 'boolean' },
  complete: { 'code!': 'string', module: 'string' },
  describe: { 'name!': 'string', module: 'string', instances: 'boolean', colors: 'boolean' },
  deps: { 'name!': 'string', module: 'string', member: 'string' },
  status: {},
  subscribe: { events: 'events' },
  unsubscribe: {},
  clear: { module: 'string' },
  edit: { 'command!': 'edit', module: 'string', dryRun: 'boolean' },
  timeline: { after: 'count' },
  diff: { 'change!': 'count' },
  modules: {},
  module: { 'module!': 'string' },
  inspect: { 'root!': 'root', path: 'path', offset: 'count', limit: 'count' },
  classes: {},
  instances: { 'module!': 'string', 'name!': 'string' },
  stores: {},
  rows: { 'store!': 'count', offset: 'count', limit: 'count' },
  health: {},
  inspector: { port: 'port', close: 'boolean' },
  fleet: { 'step!': 'fleet' },
};

/** The deepest path `inspect` follows. */
const MAX_PATH = 100;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_147_483_647;

function inspectRoot(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys === 'module,name') return typeof o['module'] === 'string' && typeof o['name'] === 'string';
  if (keys === 'instances') return isCount(o['instances']);
  if (keys === 'row,store') return isCount(o['store']) && isCount(o['row']);
  return false;
}

function fits(value: unknown, type: Shape[string]): boolean {
  switch (type) {
    case 'typecheck':
      return value === 'gate' || value === 'off';
    case 'events':
      return Array.isArray(value) && value.every((e) => EVENT_KINDS.includes(e as EventKind));
    case 'edit':
      return editCommand(value);
    case 'count':
      return isCount(value);
    case 'port':
      return isCount(value) && value <= 65535;
    case 'root':
      return inspectRoot(value);
    case 'fleet':
      return fleetStep(value);
    case 'path':
      return Array.isArray(value) && value.length <= MAX_PATH && value.every((k) => typeof k === 'string' || isCount(k));
    case 'number':
      // A timer's range: whole milliseconds up to 2^31 - 1 (about 24.8 days).
      return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 2_147_483_647;
    default:
      return typeof value === type;
  }
}

const TYPE_WORDS = {
  string: 'a string',
  number: 'a whole number of milliseconds from 1 to 2147483647',
  count: 'a whole number from 0',
  port: 'a port number from 0 to 65535 (0: a free one)',
  root: '{ module, name }, { instances } or { store, row }',
  path: `a list of at most ${MAX_PATH} keys (strings, or whole numbers for elements and entries)`,
  boolean: 'true or false',
  typecheck: "'gate' or 'off'",
  events: `a list of event kinds (${EVENT_KINDS.join(', ')})`,
  edit: `an edit command: { kind: ${EDIT_COMMANDS.join(' | ')}, className, ... } (docs/control.md)`,
  fleet: "a fleet step: { t: 'join' | 'prepare' | 'commit' | 'finish', ... } (docs/scaling.md)",
} as const;

/** The fields each edit command takes (all strings, but `force`), by kind. */
const EDIT_FIELDS: Readonly<Record<(typeof EDIT_COMMANDS)[number], readonly string[]>> = {
  'add-field': ['className', 'spec', 'after?'],
  'remove-field': ['className', 'field', 'force'],
  'rename-field': ['className', 'field', 'to'],
  'retype-field': ['className', 'field', 'type'],
  rename: ['module', 'name', 'member?', 'to'],
  move: ['module', 'name', 'to'],
};

function editCommand(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const kind = o['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(EDIT_FIELDS, kind)) return false;
  const fields = EDIT_FIELDS[kind as (typeof EDIT_COMMANDS)[number]];
  const known = new Set(['kind', ...fields.map((f) => f.replace('?', ''))]);
  if (Object.keys(o).some((k) => !known.has(k))) return false;
  return fields.every((f) => {
    const v = o[f.replace('?', '')];
    if (f.endsWith('?') && v === undefined) return true;
    return f === 'force' ? typeof v === 'boolean' : typeof v === 'string';
  });
}

/** A fleet step: `join`, `prepare` (texts as [path, text or null] pairs), `commit` or `finish`. */
function fleetStep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const within = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 600_000;
  const keys = Object.keys(o).sort().join(',');
  switch (o['t']) {
    case 'join':
      return keys === 't';
    case 'prepare':
      return (
        keys === 'paths,round,t,texts,withinMs' &&
        isCount(o['round']) &&
        within(o['withinMs']) &&
        Array.isArray(o['paths']) &&
        o['paths'].every((p) => typeof p === 'string') &&
        Array.isArray(o['texts']) &&
        o['texts'].every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && (typeof e[1] === 'string' || e[1] === null))
      );
    case 'commit':
      return keys === 'round,t,withinMs' && isCount(o['round']) && within(o['withinMs']);
    case 'finish':
      return keys === 'keep,round,t' && isCount(o['round']) && typeof o['keep'] === 'boolean';
    default:
      return false;
  }
}

/** Reads one line; `fatal` errors (not JSON at all) close the connection. */
export function readRequest(line: string): Read {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e: unknown) {
    return { ok: false, id: null, code: 'parse', message: `not JSON (${(e as Error).message}): send one JSON object per line`, fatal: true };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, id: null, code: 'bad-request', message: 'a request is a JSON object with an id and a kind', fatal: false };
  const o = value as Record<string, unknown>;
  const id = typeof o['id'] === 'number' || typeof o['id'] === 'string' ? (o['id'] as RequestId) : null;
  if (id === null) return { ok: false, id: null, code: 'bad-request', message: "a request needs an 'id' (a number or a string)", fatal: false };
  const kind = o['kind'];
  if (kind === undefined)
    return { ok: false, id, code: 'bad-request', message: `a request needs a 'kind' (one of ${Object.keys(SHAPES).join(', ')})`, fatal: false };
  if (typeof kind !== 'string' || !Object.hasOwn(SHAPES, kind))
    return {
      ok: false,
      id,
      code: 'unknown-kind',
      message: `unknown kind ${JSON.stringify(kind)}; the kinds are ${Object.keys(SHAPES).join(', ')}`,
      fatal: false,
    };
  const shape = SHAPES[kind as Request['kind']];
  for (const [key, type] of Object.entries(shape)) {
    const name = key.replace(/!$/, '');
    const v = o[name];
    if (v === undefined) {
      if (key.endsWith('!')) return { ok: false, id, code: 'bad-request', message: `'${kind}' needs '${name}' (${TYPE_WORDS[type]})`, fatal: false };
      continue;
    }
    if (!fits(v, type)) return { ok: false, id, code: 'bad-request', message: `'${name}' of '${kind}' must be ${TYPE_WORDS[type]}`, fatal: false };
  }
  const known = new Set(['id', 'kind', ...Object.keys(shape).map((k) => k.replace(/!$/, ''))]);
  const extra = Object.keys(o).find((k) => !known.has(k));
  if (extra !== undefined) return { ok: false, id, code: 'bad-request', message: `'${kind}' has no field '${extra}'`, fatal: false };
  return { ok: true, request: value as Request };
}
