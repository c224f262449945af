export function probe(): string { return 'started'; }
setInterval(() => console.log(probe()), 15);
