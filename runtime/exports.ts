/**
 * The public API both entry points share: everything that runs the same in
 * Node.js and in a browser. `index.ts` (Node) adds the TCP/`ws` connectors,
 * `Server` and `LocalAdapter`; `browser.ts` adds the browser's WebSocket and a
 * placeholder `Server`.
 */
export { Channel, type ChannelClass, type ChannelInit } from "./channel.ts";
export type { BroadcastOptions, ChannelServer } from "./host.ts";
export type { AuthOf, OutOf, ServerOptions, UserOf } from "./server.ts";
export { refuse, type AuthInfo, type Refusal } from "./auth/gate.ts";
export type { RateLimitOptions } from "./limits/rate-limiter.ts";
export {
  Client,
  registerConnector,
  type ClientEvent,
  type ClientOptions,
  type ClientState,
  type ConnectedEvent,
  type ConnectOptions,
  type ConnectTarget,
  type Connector,
  type DisconnectedEvent,
  type ErrorEvent,
  type ReconnectedEvent,
  type ReconnectingEvent,
  type SocketConnectEvent,
} from "./client.ts";
export { ConnectionListener } from "./connection-listener.ts";
export { ErrorCode, RepodError, isRepodError, type ErrorDetails } from "./errors.ts";
export { describeValue, type AnyMessage, type Int, type Message, type ProtocolDescriptor, type RateLimit, type Validator } from "./protocol.ts";
export type { ProtocolSchema, SchemaField, SchemaType } from "./compat/schema.ts";
export { RequestError, type RequestOptions } from "./requests.ts";
export { jsonLogger, silentLogger, type LogEvent, type Logger } from "./logging.ts";
export type { Adapter, AdapterHost, Audience, Delivery, Member, PresenceChange, PresenceValue, PresenceView } from "./adapter/adapter.ts";
export type { Transport, TransportEvents } from "./transport/transport.ts";
export type { WebSocketOptions } from "./transport/websocket-server.ts";
export type { InspectorOptions } from "./inspector/inspector.ts";
export { backoffDelay, type BackoffOptions } from "./session/backoff.ts";
export { decodePayload, encodeFrame, encodePayload, payloadOf } from "./wire/codec.ts";
export { FrameDecoder } from "./wire/frame-decoder.ts";
export * as defaults from "./constants.ts";
