import type { Config } from './types.ts';
const config: Config = { speed: 2 };
export function probe(): string { return 'speed is ' + config.speed; }
setInterval(() => console.log(probe()), 15);
