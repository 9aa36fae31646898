/**
 * The rules of tag, apart from the network: the server runs them, clients
 * only push. Players are circles that slide along walls and obstacles;
 * whoever is "it" tags another by touching them, and the tagged player is
 * "it" from then on, frozen for a moment so that nobody is tagged straight back.
 */
import type { Arena, Axis, PlayerState, Rect } from "../../generated/tag.ts";

/** Arena units per second. */
export const SPEED = 240;
/** "It" runs a little faster, or nobody would ever be caught. */
export const IT_SPEED = 275;
/** How long a freshly tagged player stands still. */
export const FREEZE_MS = 1000;

const OBSTACLES: Rect[] = [
  { x: 180, y: 140, w: 220, h: 40 },
  { x: 800, y: 140, w: 220, h: 40 },
  { x: 180, y: 620, w: 220, h: 40 },
  { x: 800, y: 620, w: 220, h: 40 },
  { x: 560, y: 300, w: 80, h: 200 },
  { x: 300, y: 360, w: 120, h: 80 },
  { x: 780, y: 360, w: 120, h: 80 },
];

export const ARENA: Arena = { width: 1200, height: 800, obstacles: OBSTACLES, playerRadius: 18 };

interface Player extends PlayerState {
  dx: Axis;
  dy: Axis;
  frozenUntil: number;
}

/** A tag that happened during a step. */
export interface Tag {
  it: string;
  by: string;
}

export class TagGame {
  private readonly players = new Map<string, Player>();
  /** The id of the player who is it; null when the arena is empty. */
  it: string | null = null;
  tick = 0;

  constructor(
    readonly arena: Arena = ARENA,
    private readonly random: () => number = Math.random,
  ) {}

  get size(): number {
    return this.players.size;
  }

  /** Puts a player in the arena at a free spot, away from whoever is it. The first player is it. */
  join(id: string, name: string): void {
    if (this.players.has(id)) {
      this.players.get(id)!.name = name;
      return;
    }
    const { x, y } = this.freeSpot();
    this.players.set(id, { id, name, x, y, tags: 0, dx: 0, dy: 0, frozenUntil: 0 });
    this.it ??= id;
  }

  /** Takes a player out; if they were it, someone else is. */
  leave(id: string): void {
    if (!this.players.delete(id)) return;
    if (this.it === id) {
      const others = [...this.players.keys()];
      this.it = others.length ? others[Math.floor(this.random() * others.length)]! : null;
    }
  }

  /** Sets which way a player pushes. */
  input(id: string, dx: Axis, dy: Axis): void {
    const player = this.players.get(id);
    if (!player) return;
    player.dx = dx;
    player.dy = dy;
  }

  /** Advances the game by `dtMs`; returns the tags that happened. */
  step(dtMs: number, now: number): Tag[] {
    this.tick++;
    const r = this.arena.playerRadius;
    for (const player of this.players.values()) {
      if (now < player.frozenUntil || (player.dx === 0 && player.dy === 0)) continue;
      const speed = player.id === this.it ? IT_SPEED : SPEED;
      const scale = (speed * dtMs) / 1000 / Math.hypot(player.dx, player.dy);
      // One axis at a time, so that a player slides along what they run into.
      player.x += player.dx * scale;
      this.resolve(player, r);
      player.y += player.dy * scale;
      this.resolve(player, r);
    }
    const tags: Tag[] = [];
    const chaser = this.it === null ? undefined : this.players.get(this.it);
    if (chaser && now >= chaser.frozenUntil) {
      for (const other of this.players.values()) {
        if (other === chaser || Math.hypot(other.x - chaser.x, other.y - chaser.y) > 2 * r) continue;
        chaser.tags++;
        this.it = other.id;
        other.frozenUntil = now + FREEZE_MS;
        tags.push({ it: other.id, by: chaser.id });
        break;
      }
    }
    return tags;
  }

  /** What everyone sees. */
  snapshot(): { tick: number; it: string | null; players: PlayerState[] } {
    const players = [...this.players.values()].map(({ id, name, x, y, tags }) => ({
      id,
      name,
      x: Math.round(x * 10) / 10,
      y: Math.round(y * 10) / 10,
      tags,
    }));
    return { tick: this.tick, it: this.it, players };
  }

  /** Where a player is now. */
  position(id: string): { x: number; y: number } | undefined {
    const player = this.players.get(id);
    return player && { x: player.x, y: player.y };
  }

  /** Pushes a circle out of every obstacle and back inside the walls. */
  private resolve(p: { x: number; y: number }, r: number): void {
    for (const o of this.arena.obstacles) {
      const nearestX = Math.max(o.x, Math.min(p.x, o.x + o.w));
      const nearestY = Math.max(o.y, Math.min(p.y, o.y + o.h));
      const dx = p.x - nearestX;
      const dy = p.y - nearestY;
      const distance = Math.hypot(dx, dy);
      if (distance >= r) continue;
      if (distance > 0) {
        p.x = nearestX + (dx / distance) * r;
        p.y = nearestY + (dy / distance) * r;
      } else {
        // The centre is inside: leave by the nearest side.
        const exits = [p.x - o.x + r, o.x + o.w - p.x + r, p.y - o.y + r, o.y + o.h - p.y + r];
        const side = exits.indexOf(Math.min(...exits));
        if (side === 0) p.x = o.x - r;
        else if (side === 1) p.x = o.x + o.w + r;
        else if (side === 2) p.y = o.y - r;
        else p.y = o.y + o.h + r;
      }
    }
    p.x = Math.max(r, Math.min(this.arena.width - r, p.x));
    p.y = Math.max(r, Math.min(this.arena.height - r, p.y));
  }

  /** A spot clear of obstacles, preferably far from whoever is it (bounded tries). */
  private freeSpot(): { x: number; y: number } {
    const r = this.arena.playerRadius;
    const chaser = this.it === null ? undefined : this.players.get(this.it);
    let best = { x: this.arena.width / 2, y: r * 2 };
    let bestScore = -1;
    for (let i = 0; i < 40; i++) {
      const spot = { x: r + this.random() * (this.arena.width - 2 * r), y: r + this.random() * (this.arena.height - 2 * r) };
      const clear = this.arena.obstacles.every((o) => spot.x < o.x - r || spot.x > o.x + o.w + r || spot.y < o.y - r || spot.y > o.y + o.h + r);
      if (!clear) continue;
      const score = chaser ? Math.hypot(spot.x - chaser.x, spot.y - chaser.y) : 1;
      if (score > bestScore) {
        best = spot;
        bestScore = score;
      }
    }
    return best;
  }
}
