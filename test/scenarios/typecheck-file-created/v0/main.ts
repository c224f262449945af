export function probe(): string { return 'alone'; }
setInterval(() => console.log(probe()), 15);
