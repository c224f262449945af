let n = 0;
export function tick(): void { n++; if (n % 4 === 0) console.log('tick-a'); }
