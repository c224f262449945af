function twice(x) { return x * 2; }
export function probe(): string { return 'loose ' + twice(1); }
setInterval(() => console.log(probe()), 15);
