export function v(): string { return 'lib-v2'; }
