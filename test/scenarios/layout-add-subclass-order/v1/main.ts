class P { hp = 10; maxHp = this.hp * 2; shield = this.maxHp + 1; }
class Q extends P { speed = 2; }
const ps: P[] = [new P(), new Q()];
ps[1]!.hp = 4;
export function probe(): string {
  return `${ps.map((p) => JSON.stringify(p)).join(' ')} fresh=${Object.keys(new Q()).join('|')}`;
}
setInterval(() => console.log(probe()), 20);
