export function probe(): string { return 'own types ' + typeof process.platform; }
setInterval(() => console.log(probe()), 15);
