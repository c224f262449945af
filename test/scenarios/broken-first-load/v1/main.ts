export function probe(): string { return 'fixed'; }
setInterval(() => console.log(probe()), 15);
