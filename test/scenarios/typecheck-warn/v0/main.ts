export function probe(): string { return 'w1'; }
setInterval(() => console.log(probe()), 15);
