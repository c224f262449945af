import { createStore } from 'imago/store';

export class Ghost {
  name = '';
}

const ghosts = createStore(Ghost);
const gone = ghosts.add({ name: 'boo' });
ghosts.remove(gone);
const kept = ghosts.add({ name: 'kept' });

export function probe(): string {
  try {
    return `read ${ghosts.get(gone, 'name')}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}
setInterval(() => console.log(probe()), 20);
