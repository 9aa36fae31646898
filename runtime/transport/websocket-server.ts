/**
 * Accepting WebSocket connections with `ws`: on a port of its own, or on an
 * HTTP server the game already has (the one that serves its page, say).
 *
 * @example
 * ```ts
 * const http = createServer(servePage);
 * new Server({ channelClass: Game, tcp: false, websocket: { server: http, path: "/ws" } });
 * http.listen(8080); // the page at http://host:8080/, the game at ws://host:8080/ws
 * ```
 */
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { DEFAULT_WEBSOCKET_PORT } from "../constants.ts";
import type { Acceptor } from "./tcp.ts";
import type { Transport } from "./transport.ts";
import { type WebSocketLike, WebSocketTransport } from "./websocket.ts";
import { nativeOf } from "./websocket-node.ts";

/** Where a server accepts WebSocket connections. */
export type WebSocketOptions =
  | {
      /** Address of the WebSocket listener. @default the server's `host` */
      host?: string;
      /**
       * Port of the WebSocket listener; 0 picks a free one (read it from
       * `server.websocketAddress`). @default the server's `port` when `tcp: false`, else 5072
       */
      port?: number;
      /** Only upgrade requests for this path are accepted (e.g. `"/ws"`). @default any path */
      path?: string;
    }
  | {
      /**
       * An HTTP server of your own (listening or not) whose upgrade requests
       * the game takes; you listen and close it yourself.
       */
      server: HttpServer;
      /** Only upgrade requests for this path are taken; others are left to the server's other `upgrade` listeners. @default any path */
      path?: string;
    };

/** {@link WebSocketOptions} with every default filled in. */
export type WebSocketListen = WebSocketOptions & { host: string; port: number };

/**
 * Fills in a server's WebSocket options: the server's host; alone
 * (`tcp: false`) the server's port, beside TCP a port of its own (5072).
 */
export function withWebSocketDefaults(options: WebSocketOptions, host: string, port: number, tcp: boolean): WebSocketListen {
  if ("server" in options) return { ...options, host, port: 0 };
  return { ...options, host: options.host ?? host, port: options.port ?? (tcp ? DEFAULT_WEBSOCKET_PORT : port) };
}

/** A WebSocket listener. */
export interface WebSocketAcceptor extends Acceptor {
  /** `ws://host:port/path` of the listener (the port is 0 while a server of yours is not listening yet). */
  readonly url: string;
  /**
   * Hands the HTTP requests and upgrades whose path starts with `prefix`
   * (which ends with "/"), or is `prefix` without its "/", to `route` instead (the server's inspector, served on the same port).
   * Returns a function that takes them back.
   */
  divert(prefix: string, route: HttpRoute): () => void;
}

/** What takes the requests and upgrades of a path of a WebSocket listener's HTTP server. */
export interface HttpRoute {
  request(request: IncomingMessage, response: ServerResponse): void;
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
}

/**
 * Accepts WebSocket connections as `options` say and calls `accept` with a
 * transport for each. `maxFrameBytes` becomes `ws`'s `maxPayload`: a longer
 * message is refused before its body is buffered.
 */
export async function listenWebSocket(options: WebSocketListen, maxFrameBytes: number, accept: (transport: Transport) => void): Promise<WebSocketAcceptor> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const own = !("server" in options);
  /** Requests and upgrades under a prefix that go elsewhere (see `divert`). */
  let diverted: { prefix: string; route: HttpRoute } | null = null;
  const divertedRoute = (request: IncomingMessage): HttpRoute | undefined => {
    if (diverted === null) return undefined;
    const at = pathOf(request);
    return at.startsWith(diverted.prefix) || at === diverted.prefix.slice(0, -1) ? diverted.route : undefined;
  };
  const http =
    "server" in options
      ? options.server
      : createServer((request, response) => (divertedRoute(request) ?? { request: refusePlainHttp }).request(request, response));
  const path = options.path;

  const onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    const route = divertedRoute(request);
    if (route !== undefined) {
      route.upgrade(request, socket, head);
      return;
    }
    if (path !== undefined && pathOf(request) !== path) {
      // On a server of yours, another upgrade listener may want it; alone, answer so the peer does not hang.
      if (http.listenerCount("upgrade") === 1) refuseUpgrade(socket, 404, "Not Found");
      return;
    }
    socket.setNoDelay(true);
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.binaryType = "nodebuffer";
      const transport = new WebSocketTransport(ws as unknown as WebSocketLike, {
        maxFrameBytes,
        remoteAddress: socket.remoteAddress ?? "",
        remotePort: socket.remotePort ?? 0,
        native: nativeOf(ws, () => socket, maxFrameBytes),
      });
      accept(transport);
    });
  };
  http.on("upgrade", onUpgrade);

  if (own) {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port, options.host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  }

  const addressNow = (): { host: string; port: number } => {
    const bound = http.address() as AddressInfo | null;
    return bound ? { host: bound.address, port: bound.port } : { host: options.host, port: 0 };
  };
  return {
    get address() {
      return addressNow();
    },
    get url() {
      const { host, port } = addressNow();
      return `ws://${host.includes(":") ? `[${host}]` : host}:${port}${path ?? "/"}`;
    },
    divert(prefix, route) {
      diverted = { prefix, route };
      if (own) return () => void (diverted = null);
      // A server of yours answers its own requests: those under the prefix are taken from its listeners while diverted.
      const others = http.listeners("request") as Array<(request: IncomingMessage, response: ServerResponse) => void>;
      const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
        const taken = divertedRoute(request);
        if (taken !== undefined) taken.request(request, response);
        else for (const listener of others) listener.call(http, request, response);
      };
      http.removeAllListeners("request");
      http.on("request", onRequest);
      return () => {
        diverted = null;
        http.off("request", onRequest);
        for (const listener of others) http.on("request", listener);
      };
    },
    close: async () => {
      http.off("upgrade", onUpgrade);
      // Our own listening socket closes at once (accepted connections are the Server's to end); yours stays open.
      if (own) http.close();
      wss.close();
    },
  };
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** A plain HTTP request on the WebSocket port: say what the port is for. */
function refusePlainHttp(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { "content-type": "text/plain", upgrade: "websocket", connection: "Upgrade" });
  response.end("this port speaks WebSocket (repod)\n");
}

function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
