/**
 * The public API both entry points share: everything that runs the same in
 * Node.js and in a browser. `index.ts` (Node) adds the TCP/`ws` connectors,
 * `Server` and `LocalAdapter`; `browser.ts` adds the browser's WebSocket and a
 * placeholder `Server`.
 */

export type { Adapter, AdapterHost, Audience, Delivery, Member, PresenceChange, PresenceValue, PresenceView } from "./adapter/adapter.ts";
export { type AuthInfo, type Refusal, refuse } from "./auth/gate.ts";
export { Channel, type ChannelClass, type ChannelInit } from "./channel.ts";
export {
  Client,
  type ClientEvent,
  type ClientOptions,
  type ClientState,
  type ConnectedEvent,
  type ConnectOptions,
  type Connector,
  type ConnectTarget,
  type DisconnectedEvent,
  type ErrorEvent,
  type ReconnectedEvent,
  type ReconnectingEvent,
  registerConnector,
  type SocketConnectEvent,
} from "./client.ts";
export type { ProtocolSchema, SchemaField, SchemaType } from "./compat/schema.ts";
export { ConnectionListener } from "./connection-listener.ts";
export * as defaults from "./constants.ts";
export { ErrorCode, type ErrorDetails, isRepodError, RepodError } from "./errors.ts";
export type { BroadcastOptions, ChannelServer } from "./host.ts";
export type { InspectorOptions } from "./inspector/inspector.ts";
export type { RateLimitOptions } from "./limits/rate-limiter.ts";
export { jsonLogger, type LogEvent, type Logger, silentLogger } from "./logging.ts";
export { type AnyMessage, describeValue, type Int, type Message, type ProtocolDescriptor, type RateLimit, type Validator } from "./protocol.ts";
export { RequestError, type RequestOptions } from "./requests.ts";
export type { AuthOf, OutOf, ServerOptions, UserOf } from "./server.ts";
export { type BackoffOptions, backoffDelay } from "./session/backoff.ts";
export type { Transport, TransportEvents } from "./transport/transport.ts";
export type { WebSocketOptions } from "./transport/websocket-server.ts";
export { decodePayload, encodeFrame, encodePayload, payloadOf } from "./wire/codec.ts";
export { FrameDecoder } from "./wire/frame-decoder.ts";
