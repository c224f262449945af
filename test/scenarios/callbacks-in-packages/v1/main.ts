import { EventEmitter } from 'node:events';
const bus = new EventEmitter();
const registry = new Map<string, () => string>();
function onPing(): void { console.log('handler-b ' + registry.get('r')!()); }
function viaRegistry(): string { return 'reg-b'; }
registry.set('r', viaRegistry);
bus.on('ping', onPing);
setInterval(() => bus.emit('ping'), 15);
