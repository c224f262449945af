// The first thing a worker process of `imago run --cluster` runs: a terminal's Ctrl-C reaches every
// process of its group, the workers too; they leave stopping to the primary, which stops them in order
// (their program's stop() included). The handlers are in place before the rest loads.

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
await import('./worker-main.js');
