let n = 0;
function fail(): never { throw new Error('tick exploded'); }
export function tick(): void { n++; if (n > 0) fail(); }
