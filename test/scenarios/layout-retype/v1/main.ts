class P { hp: string = '10'; code: string = '0'; id: bigint = 0n; }
const ps: P[] = [new P(), new P()];
Object.assign(ps[0]!, { hp: 7, code: '42', id: 3 });
Object.assign(ps[1]!, { hp: 5, code: 'abc', id: 4 });
export function probe(): string {
  return ps.map((p) => `${typeof p.hp}:${p.hp} ${typeof p.code}:${p.code} ${typeof p.id}:${p.id}`).join(' | ');
}
setInterval(() => console.log(probe()), 20);
