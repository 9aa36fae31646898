import { describe, expect, it } from "vitest";
import { ARENA, FREEZE_MS, SPEED, TagGame } from "../../examples/tag/game.ts";

/** A game with no obstacles and spawn points chosen by the sequence given. */
function gameWith(spawns: number[]): TagGame {
  let i = 0;
  return new TagGame({ ...ARENA, obstacles: [] }, () => spawns[i++ % spawns.length]!);
}

describe("tag rules", () => {
  it("the first runner is it; when it leaves, another runner is", () => {
    const game = gameWith([0.5]);
    game.join("a", "ada");
    game.join("b", "bob");
    expect(game.it).toBe("a");
    game.leave("a");
    expect(game.it).toBe("b");
    game.leave("b");
    expect(game.it).toBeNull();
  });

  it("moves a runner at its speed and keeps it inside the walls", () => {
    const game = gameWith([0.1, 0.5, 0.9, 0.5]);
    game.join("a", "ada"); // at the left
    game.join("b", "bob"); // at the right, away from it; not it: runs at SPEED
    const start = game.position("b")!;
    game.input("b", 1, 0);
    game.step(100, 0);
    expect(game.position("b")!.x).toBeCloseTo(start.x + SPEED / 10, 5);
    for (let t = 0; t < 100; t++) game.step(100, 0);
    expect(game.position("b")!.x).toBe(ARENA.width - ARENA.playerRadius);
  });

  it("slides along an obstacle instead of passing through it", () => {
    const game = new TagGame({ ...ARENA, obstacles: [{ x: 500, y: 0, w: 100, h: 800 }] }, () => 0.1);
    game.join("a", "ada");
    game.input("a", 1, 1);
    for (let t = 0; t < 100; t++) game.step(50, 0);
    const { x, y } = game.position("a")!;
    expect(x).toBeCloseTo(500 - ARENA.playerRadius, 5);
    expect(y).toBe(ARENA.height - ARENA.playerRadius);
  });

  it("it tags a runner it touches; the tagged runner is it and frozen for a moment", () => {
    const game = gameWith([0.1, 0.1, 0.12, 0.1]);
    game.join("a", "ada");
    game.join("b", "bob");
    const [a, b] = [game.position("a")!, game.position("b")!];
    game.input("a", b.x > a.x ? 1 : -1, 0);
    let tags: ReturnType<TagGame["step"]> = [];
    for (let t = 0; t < 200 && tags.length === 0; t++) tags = game.step(20, t * 20);
    expect(tags).toEqual([{ it: "b", by: "a" }]);
    expect(game.it).toBe("b");
    expect(game.snapshot().players.find((p) => p.id === "a")!.tags).toBe(1);
    // They still touch, but bob is frozen: no tag straight back until FREEZE_MS has passed.
    const taggedAt = (game.tick - 1) * 20;
    game.input("a", 0, 0);
    expect(game.step(20, taggedAt + FREEZE_MS - 1)).toEqual([]);
    expect(game.it).toBe("b");
    expect(game.step(20, taggedAt + FREEZE_MS)).toEqual([{ it: "a", by: "b" }]);
  });
});
