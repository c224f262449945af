type Shape = { w: number; h: number };
function area(s: Shape): number { if (s.w < 0) throw new RangeError('negative width'); return s.w * s.h; }
let w = 2;
setInterval(() => console.log('area ' + area({ w: w--, h: 3 })), 20);
