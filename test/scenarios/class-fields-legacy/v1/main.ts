class Base { constructor() { this.init(); } init(): void {} }
class Derived extends Base { value!: number; override init(): void { this.value = 43; } }
export function probe(): string { return 'value ' + new Derived().value; }
setInterval(() => console.log(probe()), 15);
