class P {
  id = 0;
  hp = 10;
}
const ps: P[] = [];
for (let i = 0; i < 10000; i++) ps.push(Object.assign(new P(), { id: i }));
function label(): string { return 'L1'; }
export function probe(): string {
  return `${label()} ${ps.filter((p) => 'armor' in p).length} ${ps.reduce((s, p) => s + p.hp, 0)} ${JSON.stringify(ps[4999])}`;
}
setInterval(() => console.log(probe()), 20);
