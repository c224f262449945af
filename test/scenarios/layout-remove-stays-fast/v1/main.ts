class P {
  #hp = 10;
  hp = 10;
  #mp = 5;
  x = 0;
  y = 0;
  stats(): string { return `${this.#hp}/${this.#mp}`; }
}
const ps: P[] = [];
for (let i = 0; i < 100; i++) ps.push(new P());
ps[0]!.hp = 7;
const fast = new Function('o', 'return %HasFastProperties(o)') as unknown as (o: object) => boolean;
export function probe(): string {
  const p = ps[0]!;
  return `${JSON.stringify(p)} ${'legacy' in p} ${Object.keys(p).join('|')} ${p.stats()} fast=${ps.every(fast)}`;
}
setInterval(() => console.log(probe()), 20);
