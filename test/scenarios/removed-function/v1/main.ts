const saved: Array<() => string> = [];
setInterval(() => { try { console.log(saved[0]!()); } catch (e) { console.log('caught: ' + (e as Error).message); } }, 15);
