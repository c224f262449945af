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
    if (m.kind === 'function' && record.movedOut.has(m.name) && from.trampolines[m.name] === record.trampolines[m.name]) {
      // Moved back (from wherever it went since): the trampoline is this module's own again, and the
      // modules it passed through forget it (they hold its trampoline and forward the name on).
      const trampoline = record.trampolines[m.name]!;
      const went = record.movedOut.get(m.name)!;
      record.movedOut.delete(m.name);
      tx.onUndo(() => record.movedOut.set(m.name, went));
      for (const other of ctx.modules.values()) {
        if (other === record || other.trampolines[m.name] !== trampoline) continue;
        const out = other.movedOut.get(m.name);
        delete other.trampolines[m.name];
        other.movedOut.delete(m.name);
        tx.onUndo(() => {
          other.trampolines[m.name] = trampoline;
          if (out) other.movedOut.set(m.name, out);
        });
      }
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
