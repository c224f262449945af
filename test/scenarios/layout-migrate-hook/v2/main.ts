const calls: number[] = [];
class P {
  pos = { x: 0, y: 0 };
  z = 0;
  static migrateInstance(p: P, old: Readonly<Record<string, unknown>>): void {
    const pos = old['pos'] as { x: number };
    if (pos.x === 3) throw new Error(`cannot place x=${pos.x}`);
    p.z = 1;
  }
}
const ps: P[] = [new P(), new P()];
Object.assign(ps[0]!, { x: 1, y: 2 });
Object.assign(ps[1]!, { x: 3, y: 4 });
export function probe(): string { return `${ps.map((p) => JSON.stringify(p)).join(' ')} from=${calls.join(',')}`; }
setInterval(() => console.log(probe()), 20);
