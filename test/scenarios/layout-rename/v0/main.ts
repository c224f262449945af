class P { hp = 10; name = 'p'; }
const ps: P[] = [new P(), new P()];
Object.assign(ps[0]!, { hp: 7 });
export function probe(): string { return ps.map((p) => JSON.stringify(p)).join(' '); }
setInterval(() => console.log(probe()), 20);
