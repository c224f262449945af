import type { Config } from './types.ts';
const config: Config = { speed: 3 };
export function probe(): string { return 'speed ' + config.speed.toFixed(1); }
setInterval(() => console.log(probe()), 15);
