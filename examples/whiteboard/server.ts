/**
 * The whiteboard server: serves the page and its bundled client over HTTP,
 * and the game over WebSocket on the same port (`/ws`).
 *
 *     npm run whiteboard:server -- [host] [port]     (default 127.0.0.1 5080)
 *
 * then open http://127.0.0.1:5080/ in two browser windows and draw.
 */
import { fileURLToPath } from "node:url";
import { jsonLogger } from "repod";
import { WhiteboardChannel, type WhiteboardClientMessages, WhiteboardServer } from "../../generated/whiteboard.ts";
import { exampleArgs, isMain } from "../args.ts";
import { serveGame, stopOnSignal, type WebGame } from "../web/page-server.ts";
import { BOARD_HEIGHT, BOARD_WIDTH, Board } from "./board.ts";

/** One person at the board. */
class Artist extends WhiteboardChannel {
  name = "guest";
  /** The stroke this person is drawing now. */
  private drawing: string | null = null;

  /** The server, typed: its `sendToAll` takes only whiteboard messages. */
  private get whiteboard(): Whiteboard {
    return this.server as Whiteboard;
  }

  override onConnect(): void {
    this.name = `guest ${this.id.slice(this.id.lastIndexOf(".") + 1)}`;
    // A late joiner gets everything drawn so far, in one message.
    this.send({ action: "board", width: BOARD_WIDTH, height: BOARD_HEIGHT, strokes: this.whiteboard.board.all(), you: this.id });
  }

  override onClose(): void {
    if (this.drawing) this.whiteboard.sendToAll({ action: "ended", id: this.drawing });
  }

  Network_name(data: WhiteboardClientMessages["name"]): void {
    this.name = data.name.trim().slice(0, 24) || this.name;
  }

  Network_begin(data: WhiteboardClientMessages["begin"]): void {
    if (this.drawing) this.Network_end();
    const stroke = this.whiteboard.board.begin(this.name, data.color, data.width, data.at);
    this.drawing = stroke.id;
    const { id, color, width, author } = stroke;
    this.whiteboard.sendToAll({ action: "begun", id, color, width, author, at: stroke.points[0]! });
  }

  Network_extend(data: WhiteboardClientMessages["extend"]): void {
    if (!this.drawing) return;
    const points = this.whiteboard.board.extend(this.drawing, data.points);
    if (points.length) this.whiteboard.sendToAll({ action: "extended", id: this.drawing, points });
  }

  Network_end(): void {
    if (!this.drawing) return;
    this.whiteboard.sendToAll({ action: "ended", id: this.drawing });
    this.drawing = null;
  }

  Network_clear(): void {
    this.whiteboard.board.clear();
    this.whiteboard.sendToAll({ action: "cleared", by: this.name });
  }
}

class Whiteboard extends WhiteboardServer<Artist> {
  readonly board = new Board();

  override onConnect(): void {
    this.sendToAll({ action: "online", count: this.channels.size });
  }

  override onDisconnect(): void {
    this.sendToAll({ action: "online", count: this.channels.size });
  }
}

/** A running whiteboard: its page at `url`. */
export type RunningWhiteboard = WebGame<Whiteboard>;

/** Starts the page and the game on `host:port` (0 picks a free port). */
export function startWhiteboard(host = "127.0.0.1", port = 5080, log = false): Promise<RunningWhiteboard> {
  const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
  return serveGame(
    { html: here("index.html"), entry: here("client.ts") },
    host,
    port,
    (websocket) => new Whiteboard({ channelClass: Artist, host, tcp: false, websocket, logger: log ? jsonLogger() : undefined }),
  );
}

if (isMain(import.meta.url)) {
  const { host, port } = exampleArgs({}, { host: "127.0.0.1", port: 5080 });
  const running = await startWhiteboard(host, port, true);
  console.log(`whiteboard: open ${running.url} in two browser windows and draw`);
  stopOnSignal(running);
}
