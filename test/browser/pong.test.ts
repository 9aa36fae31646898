import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PongBot } from "../../examples/pong/bot.ts";
import { type RunningPongWeb, startPongWeb } from "../../examples/pong/web-server.ts";
import { launchBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

describe("pong in Chromium against a TCP bot", () => {
  let running: RunningPongWeb;
  let browser: TestBrowser;
  let bot: PongBot;
  let loop: NodeJS.Timeout;

  beforeAll(async () => {
    running = await startPongWeb({ host: "127.0.0.1", port: 0, tcpPort: 0, winScore: 50 });
    browser = await launchBrowser();
    bot = new PongBot("bot");
    loop = setInterval(() => bot.pump(), 1000 / 60);
  });

  afterAll(async () => {
    clearInterval(loop);
    bot?.close();
    await browser?.close();
    await running?.stop();
  });

  it("a browser player and a TCP bot share one match; the page's paddle moves for both", async () => {
    const page = await browser.open(running.url);
    await page.waitForFunction(() => (window as any).pong?.slot === 0, undefined, { timeout: PATIENCE_MS });
    await bot.connect("127.0.0.1", running.server.address.port);
    await waitFor(() => bot.slot === 1 && bot.state !== null, "the bot playing on the right");
    await page.waitForFunction(() => (window as any).pong.state?.tick > 30, undefined, { timeout: PATIENCE_MS });
    expect(new Set([...running.server.channels].map((c) => c.link.transport!.kind))).toEqual(new Set(["tcp", "websocket"]));

    const before = bot.state!.paddles[0];
    await page.bringToFront();
    // The key is held until the bot, over TCP, sees the browser's paddle move at least 60 units: how far a
    // paddle gets in a fixed time depends on how busy the machine is.
    const key = before > 200 ? "ArrowUp" : "ArrowDown";
    await page.keyboard.down(key);
    await waitFor(() => Math.abs(bot.state!.paddles[0] - before) >= 60, "the left paddle to move");
    await page.keyboard.up(key);
    // The page shows the same move (its state may arrive a tick after the bot's).
    await page.waitForFunction((before) => Math.abs((window as any).pong.state.paddles[0] - before) >= 60, before, { timeout: PATIENCE_MS });
    await screenshot(page, "pong-browser-vs-bot");
    expect(browser.errors).toEqual([]);
  });
});
