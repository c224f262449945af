class P { x = 0; y = 0; }
const ps: P[] = [new P(), new P()];
Object.assign(ps[0]!, { x: 1, y: 2 });
Object.assign(ps[1]!, { x: 3, y: 4 });
export function probe(): string { return ps.map((p) => JSON.stringify(p)).join(' '); }
setInterval(() => console.log(probe()), 20);
