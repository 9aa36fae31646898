/**
 * repod for TypeScript — the runtime's public API (Node.js entry).
 * Generated protocol files import from here as "repod".
 */
import { registerConnector, type Connector } from "./client.ts";
import { connectTcp } from "./transport/tcp.ts";
import { connectWebSocket } from "./transport/websocket.ts";
import { createNodeWebSocket } from "./transport/websocket-node.ts";

registerConnector("tcp", (target, options) => connectTcp(target.host, target.port, options.maxFrameBytes, options.connectTimeoutMs));
const connectWs: Connector = (target, options) => connectWebSocket(target.url!, createNodeWebSocket, options.maxFrameBytes, options.connectTimeoutMs);
registerConnector("ws", connectWs);
registerConnector("wss", connectWs);

export { Channel, type ChannelClass, type ChannelInit } from "./channel.ts";
export { Server, type BroadcastOptions, type OutOf, type ServerOptions } from "./server.ts";
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
export type { Adapter, AdapterHost, Audience, Delivery, Member, PresenceValue } from "./adapter/adapter.ts";
export { LocalAdapter } from "./adapter/local.ts";
export type { Transport, TransportEvents } from "./transport/transport.ts";
export type { WebSocketOptions } from "./transport/websocket-server.ts";
export { decodePayload, encodeFrame, encodePayload, payloadOf } from "./wire/codec.ts";
export { FrameDecoder } from "./wire/frame-decoder.ts";
export * as defaults from "./constants.ts";
