// The structural edits `imago edit` knows (docs/edits.md), as values: what the CLI, the REPL's `.edit`
// and the control channel pass around.

export type EditCommand =
  | { readonly kind: 'add-field'; readonly className: string; readonly spec: string; readonly after?: string }
  | { readonly kind: 'remove-field'; readonly className: string; readonly field: string; readonly force: boolean }
  | { readonly kind: 'rename-field'; readonly className: string; readonly field: string; readonly to: string }
  | { readonly kind: 'retype-field'; readonly className: string; readonly field: string; readonly type: string }
  | { readonly kind: 'rename'; readonly module: string; readonly name: string; readonly member?: string; readonly to: string }
  | { readonly kind: 'move'; readonly module: string; readonly name: string; readonly to: string };

export const EDIT_COMMANDS = ['add-field', 'remove-field', 'rename-field', 'retype-field', 'rename', 'move'] as const;

/** What `imago edit` did, or would do (`dryRun`): per file, the text before and after; the migration it asks for. */
export interface EditOutcome {
  readonly ok: boolean;
  /** What went wrong, with what to do (ok: false). */
  readonly message: string;
  readonly files: ReadonlyArray<{ readonly file: string; readonly lines: readonly number[]; readonly diff: string }>;
  /** What the running image did (live), or will do (dry run): one line each. */
  readonly migration: readonly string[];
  readonly live: boolean;
  readonly dryRun: boolean;
  /** Milliseconds: planning (the checker's references), the change (type check and migration within it), writing the files. */
  readonly ms?: {
    readonly plan: number;
    readonly change: number;
    readonly typecheck: number;
    readonly migrate: number;
    /** Of `migrate`: finding the live instances (the heap walk). */
    readonly find: number;
    readonly write: number;
  };
}

/** `Critter.hp` -> class and field; a string says what is wrong. */
export function classMember(text: string | undefined, what: string): { className: string; field: string } | string {
  const m = /^([A-Za-z_$][\w$]*)\.(#?[A-Za-z_$][\w$]*)$/.exec(text ?? '');
  if (!m) return `${what} takes <Class>.<field>, e.g. Critter.hp; got '${text ?? ''}'`;
  return { className: m[1]!, field: m[2]! };
}
