/**
 * A pong player that plays by itself: it follows the ball when the ball
 * comes its way, with a little error so that matches end, and measures the
 * round-trip time with `ping` twice a second.
 *
 *   npm run pong:bot -- [host:port]
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent } from "repod";
import { PongListener, type PongServerMessages } from "../../generated/pong.ts";
import { exampleArgs, isMain } from "../args.ts";

export interface BotEvents {
  line?(text: string): void;
}

export class PongBot extends PongListener {
  slot = -1;
  height = 600;
  state: PongServerMessages["state"] | null = null;
  over: PongServerMessages["game_over"] | null = null;
  received = 0;
  sent = 0;
  readonly rtts: number[] = [];
  disconnected = false;
  full = false;
  private dir: -1 | 0 | 1 = 0;
  private aimError = 0;
  private lastBallX = 0;
  private wasComing = false;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly report: (text: string) => void = () => {},
    private readonly random: () => number = Math.random,
  ) {
    super();
  }

  override pump(): number {
    const n = super.pump();
    this.received += n;
    return n;
  }

  override send(message: Parameters<PongListener["send"]>[0]): number {
    this.sent++;
    return super.send(message);
  }

  Network_connected(_data: ConnectedEvent): void {
    clearInterval(this.pingTimer); // a fresh session after a failed resume greets again
    this.pingTimer = setInterval(() => this.send({ action: "ping", t: performance.now() }), 500);
  }
  Network_welcome(data: PongServerMessages["welcome"]): void {
    this.slot = data.slot;
    this.height = data.height;
    this.report(`${this.name} takes the ${data.slot === 0 ? "left" : "right"} paddle in match ${data.match}`);
  }
  Network_full(data: PongServerMessages["full"]): void {
    this.full = true;
    this.report(`${this.name}: server full (${data.text})`);
  }
  Network_waiting(data: PongServerMessages["waiting"]): void {
    this.report(`${this.name}: ${data.text}`);
  }
  Network_start(_data: PongServerMessages["start"]): void {
    this.over = null;
  }
  Network_state(data: PongServerMessages["state"]): void {
    this.state = data;
    this.steer(data);
  }
  Network_scored(_data: PongServerMessages["scored"]): void {}
  Network_game_over(data: PongServerMessages["game_over"]): void {
    this.over = data;
  }
  Network_pong(data: PongServerMessages["pong"]): void {
    this.rtts.push(performance.now() - data.t);
  }
  Network_error(data: ErrorEvent): void {
    this.report(`${this.name}: error ${data.code}: ${data.message}`);
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    clearInterval(this.pingTimer);
    this.disconnected = true;
  }

  override close(): void {
    clearInterval(this.pingTimer);
    super.close();
  }

  /** Follows the ball while it comes this way (aiming a little off), else drifts back to the middle. */
  private steer(state: PongServerMessages["state"]): void {
    if (this.slot < 0) return;
    const paddle = state.paddles[this.slot as 0 | 1];
    const dx = state.ball.x - this.lastBallX;
    this.lastBallX = state.ball.x;
    const coming = this.slot === 0 ? dx < 0 : dx > 0;
    // A new aiming error for every approach of the ball: sometimes too far off to reach it.
    if (coming && !this.wasComing) this.aimError = (this.random() - 0.5) * 220;
    this.wasComing = coming;
    const target = coming ? state.ball.y + this.aimError : this.height / 2;
    const dir: -1 | 0 | 1 = Math.abs(target - paddle) < 8 ? 0 : target < paddle ? -1 : 1;
    if (dir !== this.dir) {
      this.dir = dir;
      this.send({ action: "input", dir });
    }
  }
}

if (isMain(import.meta.url)) {
  const { host, port } = exampleArgs();
  const bot = new PongBot("bot", console.log);
  await bot.connect(host, port);
  const loop = setInterval(() => {
    bot.pump();
    if (bot.over) console.log(`game over: ${bot.over.winner === bot.slot ? "won" : "lost"} ${bot.over.score.join("-")}`);
    if (bot.over || bot.disconnected) {
      bot.over = null;
      if (bot.disconnected) clearInterval(loop);
    }
  }, 1000 / 60);
}
