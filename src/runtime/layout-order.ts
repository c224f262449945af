// Phase 2 of a layout migration: removed fields leave an instance and the rest fall into the order a new
// instance has them. `delete` of a middle property drops an object into dictionary mode (ARCHITECTURE.md
// fact 6, 27x slower); deleting only the *last* property takes V8's fast path back to the parent hidden
// class, so the tail after the first difference is deleted from the end and added again in the new order.

const INDEX = /^(?:0|[1-9]\d*)$/;

/** The field order of instances that share a nearest prototype, before and after a layout change. */
export interface OrderPlan {
  /** Declared keys of the whole chain, root class first: before (with added keys appended) and after. */
  readonly rank: ReadonlyMap<PropertyKey, number>;
  readonly newOrder: readonly PropertyKey[];
  readonly declared: ReadonlySet<PropertyKey>;
  readonly removed: ReadonlySet<PropertyKey>;
  /** Keys that plain assignment defines (no setter or read-only property of that name up the chain). */
  readonly assignable: (key: PropertyKey) => boolean;
  /** For instances whose own keys are exactly `expected` (the usual case): the tail to rebuild. */
  readonly expected: readonly PropertyKey[] | null;
  readonly fastTail: {
    readonly from: number;
    readonly deleteKeys: readonly PropertyKey[];
    readonly addKeys: readonly PropertyKey[];
    readonly plainAdds: boolean;
  } | null;
}

/** Own keys in the order they were added: Reflect.ownKeys lists strings before symbols, so symbols are merged back by declared rank. */
export function insertionOrder(keys: readonly PropertyKey[], rank: ReadonlyMap<PropertyKey, number>): PropertyKey[] {
  const strings: PropertyKey[] = [];
  const symbols: PropertyKey[] = [];
  for (const k of keys) {
    if (typeof k === 'symbol') symbols.push(k);
    else if (!INDEX.test(String(k))) strings.push(k);
  }
  if (symbols.length === 0) return strings;
  const out: PropertyKey[] = [];
  let s = 0;
  let y = 0;
  while (s < strings.length && y < symbols.length) {
    const rs = rank.get(strings[s]!);
    const ry = rank.get(symbols[y]!);
    if (ry !== undefined && (rs === undefined || ry < rs)) out.push(symbols[y++]!);
    else out.push(strings[s++]!);
  }
  while (s < strings.length) out.push(strings[s++]!);
  while (y < symbols.length) out.push(symbols[y++]!);
  return out;
}

/**
 * The order a migrated instance's keys take: undeclared keys the program added before its first field
 * (declared or being removed) stay first, then the declared fields in layout order, then the rest.
 */
export function targetOrder(current: readonly PropertyKey[], plan: Pick<OrderPlan, 'removed' | 'declared' | 'newOrder'>): PropertyKey[] {
  const first = current.findIndex((k) => plan.declared.has(k) || plan.removed.has(k));
  const kept = current.filter((k) => !plan.removed.has(k));
  if (first < 0) return kept;
  const present = new Set(kept);
  return [
    ...current.slice(0, first),
    ...plan.newOrder.filter((k) => present.has(k)),
    ...current.slice(first).filter((k) => !plan.declared.has(k) && !plan.removed.has(k)),
  ];
}

/** Phase 2: removed fields go, the rest fall into layout order, deleting only ever the last property. */
export function settle(o: Record<PropertyKey, unknown>, plan: OrderPlan): void {
  const fastTail = plan.fastTail;
  if (!fastTail) return;
  const keys = Reflect.ownKeys(o);
  const expected = plan.expected;
  let standard = expected !== null && keys.length === expected.length;
  for (let i = 0; standard && i < keys.length; i++) if (keys[i] !== expected![i]) standard = false;
  let deleteKeys = fastTail.deleteKeys;
  let addKeys = fastTail.addKeys;
  if (!standard) {
    const current = insertionOrder(keys, plan.rank);
    const target = targetOrder(current, plan);
    let from = 0;
    while (from < current.length && current[from] === target[from]) from++;
    deleteKeys = current.slice(from).reverse();
    addKeys = target.slice(from);
  }
  if (deleteKeys.length === 0) return;
  const n = addKeys.length;
  // Declared fields are plain data properties (class fields define them so); others keep their descriptor.
  if (standard) {
    const a0 = n > 0 ? o[addKeys[0]!] : undefined;
    const a1 = n > 1 ? o[addKeys[1]!] : undefined;
    if (n <= 2 && fastTail.plainAdds) {
      for (let i = 0; i < deleteKeys.length; i++) Reflect.deleteProperty(o, deleteKeys[i]!);
      if (n > 0) Reflect.set(o, addKeys[0]!, a0);
      if (n > 1) Reflect.set(o, addKeys[1]!, a1);
      return;
    }
  }
  const saved: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = addKeys[i]!;
    saved[i] = plan.declared.has(k) ? o[k] : Object.getOwnPropertyDescriptor(o, k);
  }
  for (let i = 0; i < deleteKeys.length; i++) Reflect.deleteProperty(o, deleteKeys[i]!);
  for (let i = 0; i < n; i++) {
    const k = addKeys[i]!;
    const v = saved[i];
    if (!plan.declared.has(k)) Reflect.defineProperty(o, k, v as PropertyDescriptor);
    else if (plan.assignable(k)) Reflect.set(o, k, v);
    else Reflect.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  }
}
