const settings: Settings = { speed: 3 };
export function probe(): string { return 'ambient ' + settings.speed; }
setInterval(() => console.log(probe()), 15);
