export function probe(): string { const n: number = 'oops' as unknown as number; const s: string = n; return 'w2' + s; }
setInterval(() => console.log(probe()), 15);
