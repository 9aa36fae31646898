/**
 * The rules of pong, apart from any networking: a field, two paddles, a
 * ball, and one `step()` per tick. The server runs one `Game` per match.
 */

export const FIELD = {
  width: 800,
  height: 600,
  paddleHeight: 100,
  /** Distance of each paddle's face from its wall. */
  paddleInset: 30,
  paddleSpeed: 420,
  ballRadius: 8,
  ballSpeed: 600,
  /** Each paddle hit makes the ball this much faster, up to maxBallSpeed. */
  speedUp: 1.1,
  maxBallSpeed: 1500,
  winScore: 5,
  ticksPerSecond: 60,
  /** Ticks the ball rests at the centre after a point. */
  serveDelay: 30,
} as const;

export type Slot = 0 | 1;

export interface GameEvents {
  scored(slot: Slot, score: [number, number]): void;
  over(winner: Slot, score: [number, number]): void;
}

export class Game {
  tick = 0;
  ball = { x: FIELD.width / 2, y: FIELD.height / 2 };
  velocity = { x: 0, y: 0 };
  paddles: [number, number] = [FIELD.height / 2, FIELD.height / 2];
  dirs: [number, number] = [0, 0];
  score: [number, number] = [0, 0];
  finished = false;
  private rest = FIELD.serveDelay;

  constructor(
    private readonly events: GameEvents,
    private readonly random: () => number = Math.random,
    readonly winScore: number = FIELD.winScore,
  ) {
    this.serve(this.random() < 0.5 ? 0 : 1);
  }

  /** Advances the match by one tick. */
  step(): void {
    if (this.finished) return;
    this.tick++;
    const dt = 1 / FIELD.ticksPerSecond;
    const half = FIELD.paddleHeight / 2;
    for (const slot of [0, 1] as const) {
      const y = this.paddles[slot] + this.dirs[slot] * FIELD.paddleSpeed * dt;
      this.paddles[slot] = Math.min(FIELD.height - half, Math.max(half, y));
    }
    if (this.rest > 0) {
      this.rest--;
      return;
    }
    const r = FIELD.ballRadius;
    const b = this.ball;
    b.x += this.velocity.x * dt;
    b.y += this.velocity.y * dt;
    if (b.y < r) {
      b.y = 2 * r - b.y;
      this.velocity.y = Math.abs(this.velocity.y);
    } else if (b.y > FIELD.height - r) {
      b.y = 2 * (FIELD.height - r) - b.y;
      this.velocity.y = -Math.abs(this.velocity.y);
    }
    const left = FIELD.paddleInset;
    const right = FIELD.width - FIELD.paddleInset;
    if (this.velocity.x < 0 && b.x - r <= left && b.x - r > left - 40) this.hit(0);
    else if (this.velocity.x > 0 && b.x + r >= right && b.x + r < right + 40) this.hit(1);
    if (b.x < -r) this.point(1);
    else if (b.x > FIELD.width + r) this.point(0);
  }

  /** A paddle meets the ball if it covers the ball's height; the ball leaves at an angle set by where it hit. */
  private hit(slot: Slot): void {
    const offset = this.ball.y - this.paddles[slot];
    const reach = FIELD.paddleHeight / 2 + FIELD.ballRadius;
    if (Math.abs(offset) > reach) return;
    const speed = Math.min(FIELD.maxBallSpeed, Math.hypot(this.velocity.x, this.velocity.y) * FIELD.speedUp);
    const angle = (offset / reach) * (Math.PI / 3.2);
    const dir = slot === 0 ? 1 : -1;
    this.velocity = { x: dir * speed * Math.cos(angle), y: speed * Math.sin(angle) };
    this.ball.x = slot === 0 ? FIELD.paddleInset + FIELD.ballRadius : FIELD.width - FIELD.paddleInset - FIELD.ballRadius;
  }

  private point(slot: Slot): void {
    this.score[slot]++;
    const score: [number, number] = [this.score[0], this.score[1]];
    this.events.scored(slot, score);
    if (this.score[slot] >= this.winScore) {
      this.finished = true;
      this.events.over(slot, score);
      return;
    }
    this.serve(slot === 0 ? 1 : 0);
  }

  /** Puts the ball at the centre, heading for `towards` at a random angle. */
  private serve(towards: Slot): void {
    this.ball = { x: FIELD.width / 2, y: FIELD.height / 2 };
    const angle = (this.random() - 0.5) * (Math.PI / 2.5);
    const dir = towards === 0 ? -1 : 1;
    this.velocity = { x: dir * FIELD.ballSpeed * Math.cos(angle), y: FIELD.ballSpeed * Math.sin(angle) };
    this.rest = FIELD.serveDelay;
  }
}
