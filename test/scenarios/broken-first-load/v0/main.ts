export function probe(): string { return 'never' +; }
setInterval(() => console.log(probe()), 15);
