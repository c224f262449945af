import { createStore, type f32 } from 'imago/store';

export class Dot {
  x: f32 = 0;
  label = '';
}

const dots = createStore(Dot, { layout: 'stable' });
const hs = seed();

function seed() {
  const made = [0.1, 0.5, 0.25, 0.3].map((x, i) => dots.add({ x, label: `d${i}` }));
  dots.remove(made[2]!);
  return made;
}

export function probe(): string {
  return `${dots.size} ${dots.column('x').constructor.name} ` + hs.filter((h) => dots.has(h)).map((h) => `${dots.get(h, 'label')}=${dots.get(h, 'x')}`).join(' ');
}
setInterval(() => console.log(probe()), 20);
