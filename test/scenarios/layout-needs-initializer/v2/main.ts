class P { hp = 10; armor?: number; }
const p = new P();
export function probe(): string { return `${JSON.stringify(p)} ${'armor' in p}`; }
setInterval(() => console.log(probe()), 20);
