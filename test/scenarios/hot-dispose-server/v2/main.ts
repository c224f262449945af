import http from 'node:http';
function handle(_req: http.IncomingMessage, res: http.ServerResponse): void { res.end('reply-2'); }
export let port = 0;
function serve(tag: string): void {
  const server = http.createServer(handle);
  server.listen(0, "127.0.0.1", () => { const a = server.address(); if (a && typeof a === "object") port = a.port; console.log("listening " + tag); });
  import.meta.hot.dispose(() => { server.close(); server.closeAllConnections(); console.log("closed " + tag); });
}
serve('s2');
setInterval(() => { if (port) http.get(`http://127.0.0.1:${port}/`, (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => console.log(b)); }).on("error", () => undefined); }, 30);
