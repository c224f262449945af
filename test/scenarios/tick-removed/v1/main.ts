let n = 0;
export function tock(): void { n++; }
