import { createStore } from 'imago/store';

export class Item {
  code: number = 0;
}

const items = createStore(Item);
const state = seed();

function seed() {
  const loose = [new Item(), new Item()];
  Object.assign(loose[0]!, { code: '5' });
  Object.assign(loose[1]!, { code: '6' });
  const h = items.add({ code: 'x' } as never);
  return { loose, h };
}

export function probe(): string {
  const v = items.get(state.h, 'code');
  return `instances ${state.loose.map((i) => `${typeof i.code}:${i.code}`).join(',')} row ${typeof v}:${v} fields ${items.save().fields.map((f) => f.name).join("+")}`;
}
setInterval(() => console.log(probe()), 20);
