const calls: number[] = [];
class P {
  pos = { x: 0, y: 0 };
  static migrateInstance(p: P, old: Readonly<Record<string, unknown>>, from: number): void {
    p.pos = { x: Number(old['x']), y: Number(old['y']) };
    calls.push(from);
  }
}
const ps: P[] = [new P(), new P()];
Object.assign(ps[0]!, { x: 1, y: 2 });
Object.assign(ps[1]!, { x: 3, y: 4 });
export function probe(): string { return `${ps.map((p) => JSON.stringify(p)).join(' ')} from=${calls.join(',')}`; }
setInterval(() => console.log(probe()), 20);
