// A top-level function or class moved to another module by an explicit edit (`imago edit move`),
// applied before the change is instantiated. A function's trampoline (what references taken before
// hold, and what importers are linked to) becomes the new module's, and the old module's layers forward
// the name to the new module: one identity, `saved === f` wherever f is imported from now. A class's
// identity (constructor, prototype, `#private` names) moves to the new module: live instances keep
// their class.

import type { CompiledModule } from '../compile/compiled-module.js';
import type { ImageContext } from './context.js';
import type { ModuleRecord } from './module-record.js';
import type { Transaction } from './transaction.js';

export function applyMoves(ctx: ImageContext, tx: Transaction, record: ModuleRecord, next: CompiledModule): void {
  for (const m of next.movedIn ?? []) {
    const from = ctx.modules.get(m.from);
    if (!from || from === record) continue;
    if (m.kind === 'function' && record.movedOut.get(m.name) === from) {
      // Moved back: the trampoline is this module's own again.
      const theirs = from.trampolines[m.name];
      record.movedOut.delete(m.name);
      delete from.trampolines[m.name];
      tx.onUndo(() => {
        record.movedOut.set(m.name, from);
        if (theirs) from.trampolines[m.name] = theirs;
      });
      continue;
    }
    if (m.kind === 'function') {
      const trampoline = from.trampolines[m.name];
      if (!trampoline || Object.hasOwn(record.trampolines, m.name)) continue;
      record.trampolines[m.name] = trampoline;
      from.movedOut.set(m.name, record);
      tx.onUndo(() => {
        delete record.trampolines[m.name];
        from.movedOut.delete(m.name);
      });
      continue;
    }
    const identity = from.classes.get(m.name);
    if (!identity || record.classes.has(m.name)) continue;
    from.classes.delete(m.name);
    record.classes.set(m.name, identity);
    ctx.classes.remove(identity);
    ctx.classes.add({ identity, record });
    const privates = [...from.privateNames].filter(([k]) => k.startsWith(`${m.name}#`));
    for (const [k, sym] of privates) {
      from.privateNames.delete(k);
      record.privateNames.set(k, sym);
    }
    tx.onUndo(() => {
      record.classes.delete(m.name);
      from.classes.set(m.name, identity);
      ctx.classes.remove(identity);
      ctx.classes.add({ identity, record: from });
      for (const [k, sym] of privates) {
        record.privateNames.delete(k);
        from.privateNames.set(k, sym);
      }
    });
  }
}

/** A function of `target`'s current layer, called through this module's layer (what `record.movedOut` forwards). */
export function forwarder(target: ModuleRecord, name: string): (...args: unknown[]) => unknown {
  const calls = target.chain.calls as Record<string, (...args: unknown[]) => unknown>;
  return function forwarded(this: unknown, ...args: unknown[]): unknown {
    return calls[name]!.apply(this, args);
  };
}
