export function probe(): string { return 42; }
setInterval(() => console.log(probe()), 15);
