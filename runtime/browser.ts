/**
 * repod for TypeScript — the browser entry. Bundlers pick it through the
 * `"browser"` condition of package.json, so `import … from "repod"` in a page
 * (and in generated protocol files) lands here and pulls in no `node:` module.
 *
 * It connects over WebSocket only, with the browser's own `WebSocket`:
 * `listener.connect("ws://host:port/path")`. The server side (`Server`) runs
 * on Node.js; here it is a placeholder that throws, so that generated files,
 * which declare a `<Name>Server` class, still load.
 */
import { type Connector, registerConnector } from "./client.ts";
import { RepodError } from "./errors.ts";
import { connectWebSocket, type WebSocketFactory, type WebSocketLike } from "./transport/websocket.ts";

const createBrowserWebSocket: WebSocketFactory = (url) => {
  if (typeof WebSocket === "undefined") throw new RepodError("CONNECT_FAILED", "this environment has no WebSocket");
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  return { socket: socket as unknown as WebSocketLike };
};

const connectWs: Connector = (target, options) => connectWebSocket(target.url!, createBrowserWebSocket, options.maxFrameBytes, options.connectTimeoutMs);
registerConnector("ws", connectWs);
registerConnector("wss", connectWs);

export { Server } from "./browser-server.ts";
export * from "./exports.ts";
