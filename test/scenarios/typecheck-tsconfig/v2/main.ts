function twice(x) { return x * 2; }
export function probe(): string { let s: string = 'c'; s = 5; return s + twice(3); }
setInterval(() => console.log(probe()), 15);
