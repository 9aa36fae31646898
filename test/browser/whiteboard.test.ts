import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWhiteboard, startWhiteboard } from "../../examples/whiteboard/server.ts";
import { launchBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { PATIENCE_MS } from "../helpers/wait.ts";

type Stroke = { id: string; color: string; width: number; author: string; points: Array<{ x: number; y: number }> };

/** The strokes a page's client holds. */
function strokesOf(page: Page): Promise<Stroke[]> {
  return page.evaluate(() => [...(window as any).whiteboard.strokes.values()]);
}

async function waitStrokes(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (window as any).whiteboard?.strokes.size >= n, count, { timeout: PATIENCE_MS });
}

/** Drags the mouse across the canvas from (x0,y0) to (x1,y1), in fractions of its size. */
async function draw(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.locator("#board").boundingBox())!;
  const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at(to), { steps: 12 });
  await page.mouse.up();
}

describe("whiteboard in Chromium", () => {
  let running: RunningWhiteboard;
  let browser: TestBrowser;

  beforeAll(async () => {
    running = await startWhiteboard("127.0.0.1", 0);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it("two pages draw and each sees the other's stroke; a late joiner gets the whole drawing", async () => {
    const alice = await browser.open(running.url);
    const bob = await browser.open(running.url);
    for (const page of [alice, bob]) {
      await page.waitForFunction(() => (window as any).whiteboard?.you !== "", undefined, { timeout: PATIENCE_MS });
    }
    await alice.fill("#name", "alice");
    await alice.locator("#name").dispatchEvent("change");
    await alice.locator("#color").evaluate((input: HTMLInputElement) => (input.value = "#d62728"));
    await draw(alice, [0.1, 0.2], [0.6, 0.3]);
    await bob.locator("#color").evaluate((input: HTMLInputElement) => (input.value = "#2ca02c"));
    await bob.locator("#width").evaluate((input: HTMLInputElement) => (input.value = "20"));
    await draw(bob, [0.2, 0.8], [0.8, 0.5]);

    // Both strokes finished on both pages: every point came before the `ended`.
    for (const page of [alice, bob]) {
      await page.waitForFunction(() => (window as any).whiteboard.finished.size >= 2, undefined, { timeout: PATIENCE_MS });
    }
    const [seenByAlice, seenByBob] = [await strokesOf(alice), await strokesOf(bob)];
    expect(seenByAlice).toEqual(seenByBob);
    expect(seenByAlice.map((s) => [s.author, s.color, s.width])).toEqual([
      ["alice", "#d62728", 6],
      [expect.stringMatching(/^guest /), "#2ca02c", 20],
    ]);
    for (const stroke of seenByAlice) expect(stroke.points.length).toBeGreaterThan(5);
    // The first stroke runs left to right across the board (1600 units wide).
    const first = seenByAlice[0]!.points;
    expect(first[0]!.x).toBeLessThan(first.at(-1)!.x - 500);

    // The pixels agree too: the middle of Bob's green stroke is green on Alice's canvas.
    const pixel = await alice.evaluate(() => {
      const canvas = document.getElementById("board") as HTMLCanvasElement;
      const [r, g, b] = canvas.getContext("2d")!.getImageData(0.5 * canvas.width, 0.65 * canvas.height, 1, 1).data;
      return [r, g, b];
    });
    expect(pixel).toEqual([0x2c, 0xa0, 0x2c]);

    const carol = await browser.open(running.url);
    await waitStrokes(carol, 2);
    expect(await strokesOf(carol)).toEqual(seenByAlice);
    await alice.waitForFunction(() => document.getElementById("status")!.textContent === "3 online", undefined, { timeout: PATIENCE_MS });

    await screenshot(alice, "whiteboard-alice");
    await screenshot(carol, "whiteboard-late-joiner");
    expect(browser.errors).toEqual([]);
  });
});
