import { callA } from './b.ts';
setInterval(() => console.log(callA()), 15);
