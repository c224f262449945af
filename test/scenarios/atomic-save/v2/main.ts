export function probe(): string { return 'r2'; }
setInterval(() => console.log(probe()), 15);
