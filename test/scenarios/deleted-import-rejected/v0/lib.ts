export function v(): string { return 'lib-v1'; }
