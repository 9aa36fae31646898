/**
 * Pong in the terminal: W/S or the arrow keys move your paddle, Q quits.
 * The screen is redrawn from the server's state at every frame.
 *
 *   npm run pong:client -- [host:port]
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent } from "repod";
import { PongListener, type PongServerMessages } from "../../generated/pong.ts";
import { exampleArgs, isMain } from "../args.ts";

const COLS = 64;
const ROWS = 20;

export class TerminalPong extends PongListener {
  slot = -1;
  width = 800;
  height = 600;
  paddleHeight = 100;
  status = "connecting…";
  state: PongServerMessages["state"] | null = null;
  done = false;
  private dir: -1 | 0 | 1 = 0;
  private releaseTimer: NodeJS.Timeout | undefined;

  Network_connected(_data: ConnectedEvent): void {
    this.status = "connected";
  }
  Network_welcome(data: PongServerMessages["welcome"]): void {
    Object.assign(this, { slot: data.slot, width: data.width, height: data.height, paddleHeight: data.paddleHeight });
    this.status = `you are ${data.slot === 0 ? "left" : "right"}; first to ${data.winScore}`;
  }
  Network_full(data: PongServerMessages["full"]): void {
    this.status = `server full: ${data.text}`;
  }
  Network_waiting(data: PongServerMessages["waiting"]): void {
    this.status = data.text;
  }
  Network_start(_data: PongServerMessages["start"]): void {
    this.status = `playing as ${this.slot === 0 ? "left" : "right"}`;
  }
  Network_state(data: PongServerMessages["state"]): void {
    this.state = data;
  }
  Network_scored(data: PongServerMessages["scored"]): void {
    this.status = `${data.slot === this.slot ? "you score" : "they score"}: ${data.score.join(" - ")}`;
  }
  Network_game_over(data: PongServerMessages["game_over"]): void {
    this.status = `game over: you ${data.winner === this.slot ? "win" : "lose"} ${data.score.join(" - ")} (rematch in 3 s)`;
  }
  Network_pong(_data: PongServerMessages["pong"]): void {}
  Network_error(data: ErrorEvent): void {
    this.status = `error ${data.code}: ${data.message}`;
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    this.status = "disconnected";
    this.done = true;
  }

  /** A key press: terminals send repeats while a key is held, so a move lasts until repeats stop. */
  key(name: string): void {
    const dir = name === "w" || name === "up" ? -1 : name === "s" || name === "down" ? 1 : 0;
    if (dir === 0) return;
    this.move(dir);
    clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => this.move(0), 150);
  }

  private move(dir: -1 | 0 | 1): void {
    if (dir === this.dir) return;
    this.dir = dir;
    this.send({ action: "input", dir });
  }

  /** The field as text. */
  render(): string {
    const grid = Array.from({ length: ROWS }, () => Array<string>(COLS).fill(" "));
    const s = this.state;
    if (s) {
      const col = (x: number): number => Math.min(COLS - 1, Math.max(0, Math.floor((x / this.width) * COLS)));
      const row = (y: number): number => Math.min(ROWS - 1, Math.max(0, Math.floor((y / this.height) * ROWS)));
      const half = this.paddleHeight / 2;
      for (const slot of [0, 1] as const) {
        for (let r = row(s.paddles[slot] - half); r <= row(s.paddles[slot] + half - 1); r++) grid[r]![slot === 0 ? 1 : COLS - 2] = "█";
      }
      grid[row(s.ball.y)]![col(s.ball.x)] = "●";
    }
    const score = s ? `${s.score[0]}  :  ${s.score[1]}` : "";
    const border = `+${"-".repeat(COLS)}+`;
    return [score.padStart((COLS + score.length) / 2), border, ...grid.map((r) => `|${r.join("")}|`), border, this.status].join("\n");
  }
}

if (isMain(import.meta.url)) {
  const { host, port } = exampleArgs();
  const game = new TerminalPong();
  await game.connect(host, port);
  const { stdin, stdout } = process;
  const readline = await import("node:readline");
  readline.emitKeypressEvents(stdin);
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on("keypress", (_s: string, key: { name?: string; ctrl?: boolean }) => {
    if (key.name === "q" || (key.ctrl && key.name === "c")) game.close();
    else if (key.name) game.key(key.name);
  });
  stdout.write("\x1b[?25l"); // hide the cursor
  const loop = setInterval(() => {
    game.pump();
    stdout.write(`\x1b[H\x1b[2J${game.render()}\n`);
    if (game.done) {
      clearInterval(loop);
      stdout.write("\x1b[?25h");
      process.exit(0);
    }
  }, 1000 / 30);
}
