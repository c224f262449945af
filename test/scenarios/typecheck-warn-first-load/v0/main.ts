const n: number = 'not a number' as unknown as string;
export function probe(): string { return 'runs ' + typeof n; }
setInterval(() => console.log(probe()), 15);
