/**
 * What Node's `ws` adds to the portable WebSocket transport:
 *
 * - native ping/pong (the WebSocket protocol's own keep-alive; the peer's
 *   WebSocket layer answers, a browser's included),
 * - TCP_NODELAY on the socket under the WebSocket,
 * - writes coalesced per tick, as over TCP: the first write of a tick corks
 *   the socket and one `uncork` at the end of the tick sends every message
 *   of that tick in a single write (`ws` corks around each frame; corking
 *   nests, so its frames join ours),
 * - `ws`'s error codes turned into ours (a message over `maxPayload` is
 *   FRAME_TOO_LARGE, refused before its body is buffered),
 * - `terminate()` for a hard close,
 * - `pause()` and `resume()` of reading (a rate-limited client is not read
 *   until its budget has room; TCP flow control slows it meanwhile).
 */
import type { Socket } from "node:net";
import { WebSocket as WsWebSocket } from "ws";
import { RepodError } from "../errors.ts";
import { remoteOf } from "./transport.ts";
import type { NativeWebSocket, WebSocketFactory, WebSocketLike } from "./websocket.ts";

/** Sockets corked during this tick, uncorked together at its end. */
let corked = new Set<Socket>();

function flushCorked(): void {
  const sockets = corked;
  corked = new Set();
  for (const socket of sockets) socket.uncork();
}

/** Corks `socket` until the end of this tick, once per tick. */
function corkForThisTick(socket: Socket): void {
  if (corked.has(socket) || socket.destroyed) return;
  if (corked.size === 0) process.nextTick(flushCorked);
  corked.add(socket);
  socket.cork();
}

/**
 * The Node extras of a `ws` WebSocket. `socketOf` gives its TCP socket
 * (null until a client's handshake is done); `maxFrameBytes` is its `maxPayload`.
 */
export function nativeOf(ws: WsWebSocket, socketOf: () => Socket | null, maxFrameBytes: number): NativeWebSocket {
  return {
    ping: () => ws.ping(),
    onPong: (listener) => void ws.on("pong", listener),
    terminate: () => ws.terminate(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    beforeWrite: () => {
      const socket = socketOf();
      if (socket !== null) corkForThisTick(socket);
    },
    describeError: (error, transport) => describeWsError(error, transport, maxFrameBytes),
  };
}

/** Turns an error `ws` reported into ours. */
function describeWsError(error: unknown, transport: { remoteAddress: string; remotePort: number }, maxFrameBytes: number): RepodError {
  const code = (error as { code?: string } | undefined)?.code;
  const why = error instanceof Error ? error.message : String(error);
  const remote = remoteOf(transport);
  if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" || code === "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH") {
    return new RepodError("FRAME_TOO_LARGE", `WebSocket message over maxFrameBytes (${maxFrameBytes})`, { remote, cause: error });
  }
  if (code?.startsWith("WS_ERR_")) {
    // The peer broke the WebSocket protocol itself; `ws` closes the connection.
    return new RepodError("DECODE_FAILED", `bad WebSocket frame: ${why}`, { remote, cause: error });
  }
  return new RepodError("CONNECT_FAILED", `connection to ${remote} broke: ${code ?? why}`, { remote, cause: error });
}

/** The Node client's WebSocket: `ws`, with `maxPayload` as the frame limit and no compression. */
export const createNodeWebSocket: WebSocketFactory = (url, maxFrameBytes) => {
  const ws = new WsWebSocket(url, { maxPayload: maxFrameBytes, perMessageDeflate: false });
  ws.binaryType = "nodebuffer";
  let socket: Socket | null = null;
  ws.on("upgrade", (response) => {
    socket = response.socket as Socket;
    socket.setNoDelay(true);
  });
  return { socket: ws as unknown as WebSocketLike, native: nativeOf(ws, () => socket, maxFrameBytes) };
};
