function twice(x) { return x * 2; }
export function probe(): string { return 'loose ' + twice(2); }
setInterval(() => console.log(probe()), 15);
