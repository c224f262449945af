export function probe(): string { return 'r1'; }
setInterval(() => console.log(probe()), 15);
