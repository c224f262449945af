export function extra(): string { return 'created later'; }
