export function version(): string { return 'alias-1'; }
