/**
 * The pong server: authoritative, 60 ticks per second, on the same event
 * loop as the network. Each match is a group of two channels; a client that
 * finds every slot taken gets `full`. With `--matches N` one process serves
 * N matches at once (default 1); `--win N` sets the points that win (default 5).
 *
 *   npm run pong:server -- [host:port] [--matches N] [--win N]
 */
import type { ServerOptions } from "repod";
import { PongChannel, type PongClientMessages, PongServer } from "../../generated/pong.ts";
import { exampleArgs, isMain, numberOption } from "../args.ts";
import { FIELD, Game, type Slot } from "./game.ts";

export class PlayerChannel extends PongChannel {
  declare readonly server: PongArena;
  match: Match | null = null;
  slot: Slot = 0;

  Network_input(data: PongClientMessages["input"]): void {
    this.match?.input(this.slot, data.dir);
  }

  Network_ping(data: PongClientMessages["ping"]): void {
    this.send({ action: "pong", t: data.t });
  }
}

/** One match: two slots, a game when both are taken, a group for its messages. */
export class Match {
  readonly players: [PlayerChannel | null, PlayerChannel | null] = [null, null];
  game: Game | null = null;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    private readonly arena: PongArena,
  ) {}

  get group(): string {
    return `match:${this.id}`;
  }

  get isFull(): boolean {
    return this.players[0] !== null && this.players[1] !== null;
  }

  get isEmpty(): boolean {
    return this.players[0] === null && this.players[1] === null;
  }

  add(channel: PlayerChannel): void {
    const slot: Slot = this.players[0] === null ? 0 : 1;
    this.players[slot] = channel;
    channel.match = this;
    channel.slot = slot;
    channel.join(this.group);
    channel.send({
      action: "welcome",
      slot,
      match: this.id,
      width: FIELD.width,
      height: FIELD.height,
      paddleHeight: FIELD.paddleHeight,
      winScore: this.arena.winScore,
    });
    if (this.isFull) this.begin();
    else channel.send({ action: "waiting", text: "waiting for an opponent" });
  }

  remove(channel: PlayerChannel): void {
    if (this.players[channel.slot] !== channel) return;
    this.players[channel.slot] = null;
    channel.match = null;
    this.game = null;
    clearTimeout(this.restartTimer);
    const other = this.players[channel.slot === 0 ? 1 : 0];
    other?.send({ action: "waiting", text: "your opponent left; waiting for an opponent" });
  }

  input(slot: Slot, dir: number): void {
    if (this.game) this.game.dirs[slot] = dir;
  }

  step(): void {
    const game = this.game;
    if (!game || game.finished) return;
    game.step();
    this.arena.sendToGroup(this.group, {
      action: "state",
      tick: game.tick,
      ball: { x: game.ball.x, y: game.ball.y },
      paddles: [game.paddles[0], game.paddles[1]],
      score: [game.score[0], game.score[1]],
    });
  }

  private begin(): void {
    this.arena.sendToGroup(this.group, { action: "start", match: this.id });
    this.game = new Game(
      {
        scored: (slot, score) => this.arena.sendToGroup(this.group, { action: "scored", slot, score }),
        over: (winner, score) => {
          this.arena.sendToGroup(this.group, { action: "game_over", winner, score });
          // A rematch if both stay.
          this.restartTimer = setTimeout(() => this.isFull && this.begin(), 3000).unref();
        },
      },
      Math.random,
      this.arena.winScore,
    );
  }
}

export class PongArena extends PongServer<PlayerChannel> {
  readonly matches: Match[] = [];
  private loop: NodeJS.Timeout | undefined;
  private nextMatch = 0;

  constructor(
    options: ServerOptions<PlayerChannel> = {},
    /** How many matches run at once; a client that finds them all full gets `full`. */
    readonly maxMatches = 1,
    /** Points that win a match. */
    readonly winScore: number = FIELD.winScore,
  ) {
    super({ channelClass: PlayerChannel, ...options });
  }

  override async start(): Promise<void> {
    await super.start();
    this.loop = setInterval(() => {
      for (const match of this.matches) match.step();
    }, 1000 / FIELD.ticksPerSecond);
  }

  override async stop(): Promise<void> {
    clearInterval(this.loop);
    await super.stop();
  }

  override onConnect(channel: PlayerChannel): void {
    const match =
      this.matches.find((m) => !m.isFull && !m.isEmpty) ??
      this.matches.find((m) => m.isEmpty) ??
      (this.matches.length < this.maxMatches ? this.newMatch() : undefined);
    if (!match) {
      channel.send({ action: "full", text: `all ${this.maxMatches * 2} slots are taken` });
      channel.close();
      return;
    }
    match.add(channel);
  }

  override onDisconnect(channel: PlayerChannel): void {
    channel.match?.remove(channel);
  }

  private newMatch(): Match {
    const match = new Match(String(++this.nextMatch), this);
    this.matches.push(match);
    return match;
  }
}

if (isMain(import.meta.url)) {
  const { host, port, values } = exampleArgs({ matches: { type: "string" }, win: { type: "string" } });
  const server = new PongArena({ host, port }, numberOption("matches", values.matches, 1), numberOption("win", values.win, FIELD.winScore));
  await server.start();
  console.log(`pong server listening on ${server.address.host}:${server.address.port}`);
  await server.launch();
}
