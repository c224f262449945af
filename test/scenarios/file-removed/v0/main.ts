import { from } from './lib.ts';
setInterval(() => console.log('main ' + from), 15);
