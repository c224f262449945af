export function size(): number { return 1 + 1; }
