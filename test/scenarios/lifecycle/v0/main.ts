let ticks = 0;
let total = 0;
export function start(): void { console.log('started'); }
export function tick(dt: number): void { ticks++; total += dt; if (ticks % 5 === 0) console.log('t1 ' + (total > 0 && total < 10 ? 'dt-ok' : 'dt-bad ' + total)); }
export function stop(): void { console.log('stopped after ' + (ticks > 0 ? 'ticks' : 'nothing')); }
