// Runs an entry in Vite's module runner with HMR, as a server-side app built on Vite's environment API
// would: `node vite-runner.mjs <entry>` in the program's folder. Used by bench/peers (tools.ts).
import { createServer, createServerModuleRunner } from 'vite';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node vite-runner.mjs <entry.ts>');
  process.exit(2);
}
const server = await createServer({
  root: process.cwd(),
  configFile: false,
  logLevel: 'warn',
  appType: 'custom',
  server: { middlewareMode: true, ws: false },
});
const runner = createServerModuleRunner(server.environments.ssr);
await runner.import(`./${entry}`);
