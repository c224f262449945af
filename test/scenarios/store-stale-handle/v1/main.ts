import { createStore } from 'imago/store';

export class Ghost {
  name = '';
  mood = 'calm';
}

const ghosts = createStore(Ghost);
const gone = ghosts.add({ name: 'boo' });
ghosts.remove(gone);
const kept = ghosts.add({ name: 'kept' });

export function probe(): string {
  try {
    return `read ${ghosts.get(gone, 'name')}`;
    // edited
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}
setInterval(() => console.log(probe() + ' | ' + ghosts.get(kept, 'name') + ':' + ghosts.get(kept, 'mood')), 20);
