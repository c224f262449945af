export function probe(): string { return 'r0'; }
setInterval(() => console.log(probe()), 15);
