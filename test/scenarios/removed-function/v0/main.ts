const saved: Array<() => string> = [];
function old(): string { return 'old-alive'; }
saved.push(old);
setInterval(() => { try { console.log(saved[0]!()); } catch (e) { console.log('caught: ' + (e as Error).message); } }, 15);
