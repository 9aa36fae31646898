/**
 * The tag server: authoritative. A client joins with a request (answered
 * with its id and the arena), then sends which way it pushes; the
 * server steps the game 30 times a second and sends everyone the state
 * (encoded once per tick, whatever the number of players). The page and its
 * bundled client are served on the same port, the game on `/ws`.
 *
 *     npm run tag:server -- [host] [port]     (default 127.0.0.1 5081)
 *
 * then open http://127.0.0.1:5081/ in two browser windows (add `?name=ada`
 * to choose a name) and run with the arrow keys or WASD.
 */
import { fileURLToPath } from "node:url";
import { jsonLogger } from "repod";
import { TagChannel, type TagClientMessages, type TagClientReplies, type TagClientRequests, TagServer } from "../../generated/tag.ts";
import { exampleArgs, isMain } from "../args.ts";
import { serveGame, stopOnSignal, type WebGame } from "../web/page-server.ts";
import { TagGame } from "./game.ts";

export const TICK_MS = 1000 / 30;

/** One runner. */
class Runner extends TagChannel {
  private get arena(): TagArena {
    return this.server as TagArena;
  }

  override onClose(): void {
    this.arena.game.leave(this.id);
  }

  /** Enters the arena; the answer tells the client its id and the arena. */
  Request_join(data: TagClientRequests["join"]): TagClientReplies["join"] {
    this.arena.game.join(this.id, data.name.trim().slice(0, 16) || "runner");
    return { you: this.id, arena: this.arena.game.arena };
  }

  Network_input(data: TagClientMessages["input"]): void {
    this.arena.game.input(this.id, data.dx, data.dy);
  }
}

class TagArena extends TagServer<Runner> {
  game = new TagGame();
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  /** Steps the game every tick and sends the state to everyone. */
  play(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const tag of this.game.step(now - this.last, now)) this.sendToAll({ action: "tagged", ...tag });
      this.last = now;
      if (this.channels.size > 0) this.sendToAll({ action: "state", ...this.game.snapshot() });
    }, TICK_MS);
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    await super.stop();
  }
}

/** A running tag game: its page at `url`. */
export type RunningTag = WebGame<TagArena>;

/** Where and how to run tag. */
export interface TagOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 5081 */
  port?: number;
  /** Log connections and errors as JSON lines on stderr. @default false */
  log?: boolean;
  /** Where spawn points come from (tests pass a seeded one). @default Math.random */
  random?: () => number;
}

/** Starts the page and the game. */
export async function startTag({ host = "127.0.0.1", port = 5081, log = false, random }: TagOptions = {}): Promise<RunningTag> {
  const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
  const running = await serveGame({ html: here("index.html"), entry: here("client.ts") }, host, port, (websocket) => {
    const server = new TagArena({ channelClass: Runner, host, tcp: false, websocket, logger: log ? jsonLogger() : undefined });
    if (random) server.game = new TagGame(undefined, random);
    return server;
  });
  running.server.play();
  return running;
}

if (isMain(import.meta.url)) {
  const { host, port } = exampleArgs({}, { host: "127.0.0.1", port: 5081 });
  const running = await startTag({ host, port, log: true });
  console.log(`tag: open ${running.url} in two browser windows; run with the arrow keys or WASD`);
  stopOnSignal(running);
}
