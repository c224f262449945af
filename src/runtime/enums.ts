// TypeScript enums keep their identity: an edited enum updates the object every module already holds,
// matching members by name, and says which values changed (a renumbered member changes the meaning of
// numbers already stored in live data).

/**
 * Merges `next` (the enum as the new version of its declaration builds it) into `current`; returns the
 * changes. Only keys the previous declaration made (`previousKeys`) are removed, so members a merged
 * `namespace` added survive.
 */
export function mergeEnum(name: string, current: Record<string, unknown>, next: Record<string, unknown>, previousKeys: readonly string[]): string[] {
  const changes: string[] = [];
  const members = (e: Record<string, unknown>): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(e)) {
      // Numeric members have a reverse mapping (E[0] === 'A'); members are the non-reverse keys.
      if (typeof v === 'string' && e[v] !== undefined && String(e[v]) === k && /^-?\d/.test(k)) continue;
      out.set(k, v);
    }
    return out;
  };
  const own = new Set(previousKeys);
  const before = new Map([...members(current)].filter(([k]) => own.has(k)));
  const after = members(next);
  for (const [k, v] of after) {
    if (!before.has(k)) changes.push(`${name}.${k} added (${JSON.stringify(v)})`);
    else if (before.get(k) !== v) changes.push(`${name}.${k} ${JSON.stringify(before.get(k))}→${JSON.stringify(v)}`);
  }
  for (const k of before.keys()) if (!after.has(k)) changes.push(`${name}.${k} removed`);
  if (changes.length === 0) return changes;
  for (const key of previousKeys) if (!(key in next)) delete current[key];
  Object.assign(current, next);
  return changes;
}
