/**
 * Pong for browsers and terminals at once: the same PongArena, listening on
 * TCP (terminal clients and bots, `npm run pong:client`) and on WebSocket
 * beside the page that serves the browser client. A browser player and a
 * terminal player land in the same match.
 *
 *   npm run pong:web -- [host] [port] [--tcp PORT|off]     (default 127.0.0.1 5082, TCP on 5071)
 *
 * then open http://127.0.0.1:5082/ (W/S or the arrow keys), and bring an
 * opponent: a second window, `npm run pong:client`, or `npm run pong:bot`.
 */
import { fileURLToPath } from "node:url";
import { defaults } from "repod";
import { exampleArgs, isMain, numberOption } from "../args.ts";
import { serveGame, stopOnSignal, type WebGame } from "../web/page-server.ts";
import { FIELD } from "./game.ts";
import { PongArena } from "./server.ts";

export interface PongWebOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** The page and the WebSocket; 0 picks a free port. @default 5082 */
  port?: number;
  /** TCP for terminal clients and bots; null for none, 0 for a free one. @default 5071 */
  tcpPort?: number | null;
  /** @default 1 */
  matches?: number;
  /** @default 5 */
  winScore?: number;
}

export type RunningPongWeb = WebGame<PongArena>;

export function startPongWeb(options: PongWebOptions = {}): Promise<RunningPongWeb> {
  const { host = "127.0.0.1", port = 5082, matches = 1, winScore = FIELD.winScore } = options;
  const tcpPort = options.tcpPort === undefined ? defaults.DEFAULT_PORT : options.tcpPort;
  const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
  return serveGame(
    { html: here("index.html"), entry: here("web-client.ts") },
    host,
    port,
    (websocket) => new PongArena({ host, port: tcpPort ?? 0, tcp: tcpPort !== null, websocket }, matches, winScore),
  );
}

if (isMain(import.meta.url)) {
  const { host, port, values } = exampleArgs({ tcp: { type: "string" }, matches: { type: "string" } }, { host: "127.0.0.1", port: 5082 });
  const tcp = values.tcp;
  const running = await startPongWeb({
    host,
    port,
    tcpPort: tcp === "off" ? null : tcp ? Number(tcp) : undefined,
    matches: numberOption("matches", values.matches, 1),
  });
  const arena = running.server;
  const tcpNote = arena.options.tcp ? `; terminal players: npm run pong:client -- ${arena.address.host}:${arena.address.port}` : "";
  console.log(`pong: open ${running.url}${tcpNote}`);
  stopOnSignal(running);
}
