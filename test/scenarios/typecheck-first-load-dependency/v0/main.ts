import { size } from './lib.ts';
setInterval(() => console.log('size ' + size()), 15);
