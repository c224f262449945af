export function probe(): string { const x: number = 'o2' as any as number; return String(x) as unknown as number as unknown as string; }
setInterval(() => console.log(probe()), 15);
