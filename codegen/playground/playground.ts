/**
 * The protocol playground: a page that plays a client of a protocol by hand.
 * It serves, on localhost, a page with a form for each message a client may
 * send (built from the protocol's model), checks what is typed with the
 * generated validators before sending it, and shows what the server sends,
 * each message checked and shown by its type. Several clients, in tabs.
 *
 * The page speaks WebSocket. A `ws://…` target is reached directly by the
 * browser; a `host:port` target (TCP, what every repod server offers) is
 * reached through this process, which carries each WebSocket message to the
 * server as one length-prefixed frame and back.
 *
 * @example
 * ```ts
 * const playground = await startPlayground({ files: ["protocol/chat.protocol.ts"], connect: "127.0.0.1:5071" });
 * console.log(playground.url); // http://127.0.0.1:5074/
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";
import { ts } from "ts-morph";
import { type WebSocket, WebSocketServer } from "ws";
import { CodegenError } from "../diagnostics.ts";
import { emitProtocol } from "../emit/index.ts";
import type { ProtocolModel } from "../model.ts";
import { parseProtocols } from "../parse/index.ts";
import { describeValue } from "./describe-value.ts";

/** Options of {@link startPlayground}. */
export interface PlaygroundOptions {
  /** Protocol files (`*.protocol.ts`), relative to `cwd` or absolute. */
  readonly files: readonly string[];
  /** The server to play against: `host:port` (TCP, through the playground) or a `ws://…`/`wss://…` URL. @default "127.0.0.1:5071" */
  readonly connect?: string;
  /** Address the page is served on. @default "127.0.0.1" */
  readonly host?: string;
  /** Port the page is served on; 0 picks a free one. @default 5074 */
  readonly port?: number;
  /** Folder the protocol files are relative to. @default process.cwd() */
  readonly cwd?: string;
}

/** A running playground. */
export interface Playground {
  /** `http://host:port/` of the page. */
  readonly url: string;
  /** The protocols it plays (those that declare messages). */
  readonly protocols: readonly ProtocolModel[];
  close(): Promise<void>;
}

export const DEFAULT_PLAYGROUND_PORT = 5074;
const DEFAULT_TARGET = "127.0.0.1:5071";
/** Largest frame carried by the TCP bridge, either way. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const PAGE_FILES: Record<string, string> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/playground.js": "playground.js",
  "/forms.js": "forms.js",
  "/msgpack.js": "msgpack.js",
  "/playground.css": "playground.css",
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/** The page's folder: next to this file in a checkout; in the installed package (dist/playground/), the shipped `playground/page/`. */
function pageDir(): URL {
  const beside = new URL("./page/", import.meta.url);
  if (existsSync(beside)) return beside;
  return new URL("../../playground/page/", import.meta.url);
}

/**
 * The generated file of a protocol as a browser module: types stripped, and
 * the runtime names it imports from "repod" defined in place (the
 * validators' `describeValue`; empty classes for the rest, which the page
 * never instantiates).
 */
export function protocolModule(model: ProtocolModel): string {
  const js = ts.transpileModule(emitProtocol(model), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, isolatedModules: true },
  }).outputText;
  return js.replace(/import\s*\{([^}]*)\}\s*from\s*["']repod["'];?/g, (_all, names: string) =>
    names
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "")
      .map((name) => {
        const [imported, local = imported] = name.split(/\s+as\s+/) as [string, string?];
        return imported === "describeValue" ? `const ${local} = ${describeValue.toString()};` : `class ${local} {}`;
      })
      .join("\n"),
  );
}

/** Starts serving the playground's page. Throws a CodegenError when a protocol file has problems. */
export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const { protocols: parsed, diagnostics } = parseProtocols(options.files, { cwd: options.cwd ?? process.cwd() });
  if (diagnostics.length > 0) throw new CodegenError(diagnostics);
  const protocols = parsed.filter((model) => model.hasMessages);
  if (protocols.length === 0) throw new Error("none of these protocol files declares ClientMessages or ServerMessages");
  const modules = new Map(protocols.map((model) => [model.name, protocolModule(model)]));
  const target = options.connect ?? DEFAULT_TARGET;
  const session = JSON.stringify({
    connect: target,
    protocols: protocols.map((model) => ({ name: model.name, source: model.source, module: `/protocols/${model.name}.js`, model })),
  });

  const http = createServer((request, response) => serve(request, response));
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const path = pathOf(request);
    const send = (status: number, type: string, body: string | Buffer): void => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" }).end(body);
    };
    if (request.method !== "GET") return send(405, "text/plain", "GET only\n");
    if (path === "/favicon.ico") return void response.writeHead(204).end();
    if (path === "/session.json") return send(200, CONTENT_TYPES.json!, session);
    const name = /^\/protocols\/([A-Za-z0-9_.-]+)\.js$/.exec(path)?.[1];
    if (name !== undefined && modules.has(name)) return send(200, CONTENT_TYPES.js!, modules.get(name)!);
    const file = PAGE_FILES[path];
    if (file === undefined) return send(404, "text/plain", "not found\n");
    try {
      send(200, CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)]!, readFileSync(new URL(file, pageDir())));
    } catch {
      send(500, "text/plain", "the playground's page is missing from this installation\n");
    }
  };

  // The TCP bridge: one TCP connection per page socket, to the `host:port` the page names.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  http.on("upgrade", (request, socket, head) => {
    const url = new URL(request.url ?? "/", "http://playground");
    const to = url.searchParams.get("to") ?? "";
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(to);
    if (url.pathname !== "/tcp" || match === null) {
      (socket as Socket).end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => bridge(ws, match[1]!, Number(match[2])));
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? DEFAULT_PLAYGROUND_PORT, options.host ?? "127.0.0.1", () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { address, port } = http.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}/`,
    protocols,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

/** Carries one page socket's messages to a TCP server as length-prefixed frames, and frames back as messages. */
function bridge(ws: WebSocket, host: string, port: number): void {
  const tcp = net.connect({ host, port });
  tcp.setNoDelay(true);
  let pending: Buffer[] = [];
  let buffered = Buffer.alloc(0);
  tcp.on("connect", () => {
    for (const frame of pending) tcp.write(frame);
    pending = [];
  });
  ws.on("message", (data: Buffer, isBinary) => {
    if (!isBinary) return;
    const header = Buffer.alloc(4);
    header.writeUInt32BE(data.length);
    const frame = Buffer.concat([header, data]);
    if (tcp.connecting) pending.push(frame);
    else tcp.write(frame);
  });
  tcp.on("data", (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        ws.close(1009, "frame too large");
        tcp.destroy();
        return;
      }
      if (buffered.length < 4 + length) break;
      ws.send(buffered.subarray(4, 4 + length), { binary: true });
      buffered = buffered.subarray(4 + length);
    }
  });
  tcp.on("error", (error) => ws.close(4502, `cannot reach ${host}:${port}: ${error.message}`.slice(0, 120)));
  tcp.on("close", () => {
    if (ws.readyState === ws.OPEN) ws.close(1000, "the server closed the connection");
  });
  ws.on("close", () => tcp.end());
  ws.on("error", () => tcp.destroy());
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}
