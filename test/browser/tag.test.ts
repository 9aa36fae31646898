import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningTag, startTag } from "../../examples/tag/server.ts";
import { launchBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { PATIENCE_MS } from "../helpers/wait.ts";

type Player = { id: string; name: string; x: number; y: number; tags: number };
type Seen = { you: string; tick: number; it: string | null; players: Player[] };

function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const tag = (window as any).tag;
    return { you: tag.you, tick: tag.current?.tick ?? -1, it: tag.current?.it ?? null, players: tag.current?.players ?? [] };
  });
}

/** A seeded random source, so that spawn points are the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIRECTIONS: Array<[key: string, axis: "x" | "y", sign: 1 | -1]> = [
  ["ArrowRight", "x", 1],
  ["ArrowLeft", "x", -1],
  ["ArrowDown", "y", 1],
  ["ArrowUp", "y", -1],
];

/**
 * Holds an arrow key on `page` until its runner has moved at least 40 units
 * that way (a wall or an obstacle may block the first direction tried; at
 * most four tries), and waits until `watchers` see the new position. The key
 * is held until the move shows, not for a fixed time: how far a runner gets
 * in a given time depends on how busy the machine is.
 */
async function run(page: Page, watchers: Page[], server: () => { x: number; y: number } | undefined): Promise<{ before: Player; after: Player; key: string }> {
  const { you } = await seen(page);
  for (const [key, axis, sign] of DIRECTIONS) {
    const before = (await seen(page)).players.find((p) => p.id === you)!;
    await page.bringToFront();
    await page.keyboard.down(key);
    const target = before[axis] + sign * 40;
    const moved = await page
      .waitForFunction(
        ([id, axis, sign, target]) => {
          const me = (window as any).tag.current.players.find((p: any) => p.id === id);
          return sign > 0 ? me[axis] >= target : me[axis] <= target;
        },
        [you, axis, sign, target] as const,
        { timeout: PATIENCE_MS / 3 },
      )
      .then(
        () => true,
        () => false,
      );
    await page.keyboard.up(key);
    if (!moved) continue;
    // The runner may still glide for a tick or two after the key is up: wait until the server's game
    // (the authority) holds still and the mover and every watcher show it where the server has it.
    const position = async (p: Page): Promise<Player> => (await seen(p)).players.find((q) => q.id === you)!;
    const rounded = (): [number, number] => {
      const at = server()!;
      return [Math.round(at.x * 10) / 10, Math.round(at.y * 10) / 10];
    };
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const [x, y] = rounded();
      const now = await position(page);
      const views = await Promise.all(watchers.map(position));
      const [x2, y2] = rounded();
      if (x === x2 && y === y2 && [now, ...views].every((v) => v && v.x === x && v.y === y)) return { before, after: now, key };
      if (Date.now() > deadline) throw new Error(`the pages never agreed with the server: ${JSON.stringify({ server: [x2, y2], now, views })}`);
      await page.waitForTimeout(50);
    }
  }
  throw new Error("the runner could not move in any direction");
}

describe("tag in Chromium", () => {
  let running: RunningTag;
  let browser: TestBrowser;

  beforeAll(async () => {
    running = await startTag({ host: "127.0.0.1", port: 0, random: seeded(7) });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it("two pages join, move with the keyboard, and each sees the other's position update", async () => {
    const ada = await browser.open(`${running.url}?name=ada`);
    // Ada is in before Bob's page opens: "first in" is the order the server saw the joins, not the pages opened.
    await ada.waitForFunction(() => (window as any).tag?.current?.players.length === 1, undefined, { timeout: PATIENCE_MS });
    const bob = await browser.open(`${running.url}?name=bob`);
    for (const page of [ada, bob]) {
      await page.waitForFunction(() => (window as any).tag?.current?.players.length === 2, undefined, { timeout: PATIENCE_MS });
    }
    const [fromAda, fromBob] = [await seen(ada), await seen(bob)];
    expect(fromAda.players.map((p) => p.name).sort()).toEqual(["ada", "bob"]);
    expect(fromAda.it).toBe(fromAda.you); // the first runner in is it
    expect(fromBob.it).toBe(fromAda.you);
    expect(fromBob.tick).toBeGreaterThan(0);

    const adaRan = await run(ada, [bob], () => running.server.game.position(fromAda.you));
    const bobRan = await run(bob, [ada], () => running.server.game.position(fromBob.you));
    expect(adaRan.after).not.toEqual(adaRan.before);
    expect(bobRan.after).not.toEqual(bobRan.before);
    // The server is the authority: its game holds the positions the pages show.
    const position = running.server.game.position(fromBob.you)!;
    expect([Math.round(position.x * 10) / 10, Math.round(position.y * 10) / 10]).toEqual([bobRan.after.x, bobRan.after.y]);

    await screenshot(ada, "tag-ada");
    await screenshot(bob, "tag-bob");
    expect(browser.errors).toEqual([]);
  });
});
