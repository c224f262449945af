import { createStore, type f32 } from 'imago/store';

export class Dot {
  x: f32 = 0;
  label = '';
  tag = 'old';

  static migrateInstance(row: Dot, old: { x: number }): void {
    row.x = Math.fround(old.x);
  }
}

const dots = createStore(Dot, { layout: 'stable' });
const hs = seed();
// New in this change, and run in it: it already adds a row with the new layout.
const added = dots.add({ x: 2, label: 'new', tag: 'fresh' });

function seed() {
  const made = [0.1, 0.5, 0.25, 0.3].map((x, i) => dots.add({ x, label: `d${i}` }));
  dots.remove(made[2]!);
  return made;
}

export function probe(): string {
  return `${dots.size} ${dots.column('x').constructor.name} ` + [...hs, added].filter((h) => dots.has(h)).map((h) => `${dots.get(h, 'label')}=${dots.get(h, 'x')}:${dots.get(h, 'tag')}`).join(' ');
}
setInterval(() => console.log(probe()), 20);
