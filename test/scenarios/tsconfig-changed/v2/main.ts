function twice(x: number): number { return x * 2; }
export function probe(): string { return 'typed ' + twice(3); }
setInterval(() => console.log(probe()), 15);
