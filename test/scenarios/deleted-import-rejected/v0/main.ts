import { v } from './lib.js';
setInterval(() => console.log(v()), 15);
