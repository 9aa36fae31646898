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
import type { Server as HttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import { defaults } from "repod";
import { isMain, parseArgs } from "../args.ts";
import { createPageServer, listen } from "../web/page-server.ts";
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

export interface RunningPongWeb {
  readonly url: string;
  readonly arena: PongArena;
  readonly http: HttpServer;
  stop(): Promise<void>;
}

export async function startPongWeb(options: PongWebOptions = {}): Promise<RunningPongWeb> {
  const { host = "127.0.0.1", port = 5082, matches = 1, winScore = FIELD.winScore } = options;
  const tcpPort = options.tcpPort === undefined ? defaults.DEFAULT_PORT : options.tcpPort;
  const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
  const http = await createPageServer({ html: here("index.html"), entry: here("web-client.ts") });
  const arena = new PongArena(
    { host, port: tcpPort ?? 0, tcp: tcpPort !== null, websocket: { server: http, path: "/ws" } },
    matches,
    winScore,
  );
  const bound = await listen(http, host, port);
  await arena.start();
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}/`,
    arena,
    http,
    async stop() {
      await arena.stop();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

if (isMain(import.meta.url)) {
  const { flags } = parseArgs();
  const [host, port] = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && !all[i - 1]?.startsWith("--"));
  const tcp = flags.get("tcp");
  const running = await startPongWeb({
    host: host || "127.0.0.1",
    port: port ? Number(port) : 5082,
    tcpPort: tcp === "off" ? null : tcp ? Number(tcp) : undefined,
    matches: Number(flags.get("matches") ?? 1),
  });
  const tcpNote = running.arena.options.tcp ? `; terminal players: npm run pong:client -- ${running.arena.address.host}:${running.arena.address.port}` : "";
  console.log(`pong: open ${running.url}${tcpNote}`);
  const stop = (): void => void running.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
