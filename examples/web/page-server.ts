/**
 * The HTTP side of a browser example: serves its page and the bundled
 * client on one port; the game server takes the WebSocket upgrades of the
 * same port (`websocket: { server, path: "/ws" }`).
 *
 * The bundle is built once, when the server is created.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server as HttpServer } from "node:http";
import { bundleForBrowser } from "./bundle.ts";

/** What a page server serves. */
export interface PageOptions {
  /** The page's HTML file; it loads `/app.js` as a module. */
  html: string;
  /** The browser entry of the client, bundled into `/app.js`. */
  entry: string;
}

/** Makes (does not start) an HTTP server for one page and its script. */
export async function createPageServer(options: PageOptions): Promise<HttpServer> {
  const [html, script] = await Promise.all([readFile(options.html), bundleForBrowser(options.entry)]);
  const files: Record<string, { type: string; body: string | Buffer }> = {
    "/": { type: "text/html; charset=utf-8", body: html },
    "/index.html": { type: "text/html; charset=utf-8", body: html },
    "/app.js": { type: "text/javascript; charset=utf-8", body: script },
  };
  return createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (path === "/favicon.ico") {
      response.writeHead(204).end();
      return;
    }
    const file = request.method === "GET" || request.method === "HEAD" ? files[path] : undefined;
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
}

/** Starts listening; resolves with the port actually bound (`port` 0 picks one). */
export function listen(http: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      const address = http.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** Reads `[host] [port]` from the command line, with defaults. */
export function hostAndPort(argv: string[], defaults: { host: string; port: number }): { host: string; port: number } {
  const [host, port] = argv;
  return { host: host || defaults.host, port: port ? Number(port) : defaults.port };
}
