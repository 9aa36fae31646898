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
import { registerConnector, type Connector } from "./client.ts";
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

export { Channel, type ChannelClass, type ChannelInit } from "./channel.ts";
export { Server } from "./browser-server.ts";
export {
  Client,
  registerConnector,
  type ClientEvent,
  type ClientOptions,
  type ClientState,
  type ConnectedEvent,
  type ConnectTarget,
  type Connector,
  type DisconnectedEvent,
  type ErrorEvent,
  type SocketConnectEvent,
} from "./client.ts";
export { ConnectionListener } from "./connection-listener.ts";
export { ErrorCode, RepodError, isRepodError, type ErrorDetails } from "./errors.ts";
export { describeValue, type AnyMessage, type Int, type Message, type ProtocolDescriptor, type Validator } from "./protocol.ts";
export { jsonLogger, silentLogger, type LogEvent, type Logger } from "./logging.ts";
export type { Transport, TransportEvents } from "./transport/transport.ts";
export { decodePayload, encodeFrame, encodePayload, payloadOf } from "./wire/codec.ts";
export * as defaults from "./constants.ts";
