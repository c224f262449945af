// Walks over restored values for a resume (resume.ts).

/** A value that holds no object: `const SPEED = 5` is code, not data. */
export const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');

/** True when `root` reaches one of `targets`. */
export function reaches(root: unknown, targets: ReadonlySet<unknown>): boolean {
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (targets.has(v)) return true;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [a, b] of v) stack.push(a, b);
    else if (v instanceof Set) for (const a of v) stack.push(a);
    else for (const key of Reflect.ownKeys(v)) stack.push((v as Record<PropertyKey, unknown>)[key]);
  }
  return false;
}
