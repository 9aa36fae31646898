/**
 * The playground of the chat protocol, in Chromium, against a running chat
 * server: two clients in tabs — one over TCP through the playground, one
 * over the server's WebSocket — send a nickname and a line through the
 * generated forms and see the replies, checked and shown by type. Bad
 * values are refused by the form with the generated validator's message.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../codegen/cli.ts";
import { ChatRoom } from "../../examples/chat/server.ts";
import { ARTIFACTS, launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The received-message log of client `n`'s tab. */
function logOf(page: Page, n: number) {
  return page.locator(`section[data-client="${n}"] .log`);
}

/** Fills a field of a message form of client `n` and sends it. */
async function send(page: Page, n: number, action: string, fields: Record<string, string>): Promise<void> {
  const form = page.locator(`section[data-client="${n}"] form[data-action="${action}"]`);
  for (const [field, value] of Object.entries(fields)) await form.locator(`[data-field="${field}"]`).fill(value);
  await form.locator('button[type="submit"]').click();
}

describe("playground in Chromium", () => {
  let room: ChatRoom;
  let browser: TestBrowser;
  let stop: AbortController;
  let exited: Promise<number>;
  let url = "";
  const out: string[] = [];
  const watcher: ScriptedChat[] = [];
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    room = new ChatRoom({ port: 0, websocket: { port: 0 } });
    await room.start();
    stop = new AbortController();
    const io = { cwd: ROOT, out: (line: string) => out.push(line), err: (line: string) => out.push(line), signal: stop.signal };
    exited = main(
      ["playground", "protocol/chat.protocol.ts", "protocol/kitchen_sink.protocol.ts", "--connect", `127.0.0.1:${room.address.port}`, "--port", "0"],
      io,
    );
    await waitFor(() => out.some((line) => line.startsWith("open ")), `the playground's address in ${out.join("\n")}`, PATIENCE_MS);
    url = /open (\S+)/.exec(out.find((line) => line.startsWith("open "))!)![1]!;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await browser?.close();
    stop?.abort();
    expect(await exited).toBe(0);
    await room?.stop();
  });

  it("prints where it serves and what it plays", () => {
    expect(out[0]).toBe(`repod playground: chat, kitchen_sink against 127.0.0.1:${room.address.port}`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("sends a nickname and a line through the forms, in two tabs, and shows the replies by type", async () => {
    // A chat client of the test's own, to see that what the forms send reaches the room.
    const eve = new ScriptedChat("eve", cleanup);
    watcher.push(eve);
    await eve.connect("127.0.0.1", room.address.port);
    await eve.saw("* eve joined");

    const page = await browser.open(url);
    const log1 = logOf(page, 1);
    await log1.locator('li[data-action="connected"]').waitFor({ timeout: PATIENCE_MS });
    expect(await page.locator('section[data-client="1"] .status .badge').textContent()).toBe("connected");
    // The forms come from the protocol: one per client message, with the fields' types.
    expect(await page.locator('section[data-client="1"] form').evaluateAll((forms) => forms.map((f) => f.getAttribute("data-action")))).toEqual([
      "nickname",
      "message",
    ]);
    expect(await page.locator('section[data-client="1"] form[data-action="nickname"]').textContent()).toContain("Choose the name the others see.");

    await send(page, 1, "nickname", { nickname: "ada" });
    await eve.saw("* ada joined");
    const joined = log1.locator('li[data-dir="in"][data-action="system"]').filter({ hasText: '"ada joined"' });
    await joined.waitFor({ timeout: PATIENCE_MS });
    expect(await joined.textContent()).toContain('ChatServerMessages["system"]');
    expect(await joined.textContent()).toContain("valid");
    const players = log1.locator('li[data-dir="in"][data-action="players"]').filter({ hasText: '["eve","ada"]' });
    await players.waitFor({ timeout: PATIENCE_MS });
    expect(await players.textContent()).toContain("list: ");
    expect(await players.textContent()).toContain("string[]");

    await send(page, 1, "message", { text: "hello from the playground" });
    await eve.saw("<ada> hello from the playground");
    const line = log1.locator('li[data-dir="in"][data-action="message"]').filter({ hasText: "hello from the playground" });
    await line.waitFor({ timeout: PATIENCE_MS });
    expect(await line.textContent()).toMatch(/text: "hello from the playground" string.*nickname: "ada" string/);

    // A second client, over the server's WebSocket directly.
    await page.fill("#target", room.websocketAddress!.url);
    await page.click("#new-client");
    const log2 = logOf(page, 2);
    await log2.locator('li[data-action="connected"]').waitFor({ timeout: PATIENCE_MS });
    expect(await log2.locator('li[data-action="open"]').textContent()).toContain(`socket open to ${room.websocketAddress!.url}`);
    await send(page, 2, "nickname", { nickname: "bob" });
    await send(page, 2, "message", { text: "hi ada" });
    await eve.saw("<bob> hi ada");
    await page.click('nav button[data-tab="1"]');
    await log1.locator('li[data-dir="in"][data-action="message"]').filter({ hasText: "hi ada" }).waitFor({ timeout: PATIENCE_MS });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: `${ARTIFACTS}playground.png` });
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it("refuses a bad value with the generated validator's message, and sends nothing", async () => {
    const eve = watcher[0]!;
    const page = await browser.open(url);
    await logOf(page, 1).locator('li[data-action="connected"]').waitFor({ timeout: PATIENCE_MS });
    const form = page.locator('section[data-client="1"] form[data-action="message"]');
    await form.locator('[data-as-json="message"]').check();
    await form.locator('[data-json="message"]').fill('{ "text": 42 }');
    await form.locator('button[type="submit"]').click();
    expect(await form.locator(".problem").textContent()).toBe("text: expected string, got number");
    await form.locator('[data-json="message"]').fill("{ text: 42 }");
    await form.locator('button[type="submit"]').click();
    expect(await form.locator(".problem").textContent()).toMatch(/^not JSON: /);
    expect(await logOf(page, 1).locator('li[data-dir="out"]').count()).toBe(0);

    // An Int field typed in a form: kitchen_sink's select.ids is readonly Int[].
    await page.selectOption("#protocol", "kitchen_sink");
    await page.click("#new-client");
    const select = page.locator('section[data-client="2"] form[data-action="select"]');
    await select.locator('[data-add="ids"]').click();
    await select.locator('[data-field="ids[0]"]').fill("1.5");
    await select.locator('button[type="submit"]').click();
    expect(await select.locator(".problem").textContent()).toBe("ids[0]: expected integer, got number");
    await select.locator('[data-field="ids[0]"]').fill("2");
    await select.locator('[data-add="grid"]').click();
    await select.locator('button[type="submit"]').click();
    // grid[0] is an empty number[] now, pairs an empty list: valid, so it is sent (the chat server does not know it).
    expect(await select.locator(".problem").textContent()).toBe("");
    await logOf(page, 2).locator('li[data-dir="out"][data-action="select"]').waitFor({ timeout: PATIENCE_MS });
    await page.screenshot({ path: `${ARTIFACTS}playground-kitchen-sink.png`, fullPage: true });
    expect(eve.lines.some((l) => l.includes("42"))).toBe(false);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
