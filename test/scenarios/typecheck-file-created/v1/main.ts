import { extra } from './extra.ts';
export function probe(): string { return extra(); }
setInterval(() => console.log(probe()), 15);
