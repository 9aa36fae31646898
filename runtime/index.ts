/**
 * repod for TypeScript — the runtime's public API (Node.js entry).
 * Generated protocol files import from here as "repod".
 */
import { type Connector, registerConnector } from "./client.ts";
import { connectTcp } from "./transport/tcp.ts";
import { connectWebSocket } from "./transport/websocket.ts";
import { createNodeWebSocket } from "./transport/websocket-node.ts";

registerConnector("tcp", (target, options) => connectTcp(target.host, target.port, options.maxFrameBytes, options.connectTimeoutMs));
const connectWs: Connector = (target, options) => connectWebSocket(target.url!, createNodeWebSocket, options.maxFrameBytes, options.connectTimeoutMs);
registerConnector("ws", connectWs);
registerConnector("wss", connectWs);

export { LocalAdapter } from "./adapter/local.ts";
export * from "./exports.ts";
export { Server } from "./server.ts";
