export function probe(): string { return 'o1'; }
setInterval(() => console.log(probe()), 15);
