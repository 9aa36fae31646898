/**
 * The inspector of a running chat server, in Chromium: it shows the three
 * clients, their group and a message one of them sent; it closes a channel
 * and puts one in a group; read-only, it refuses; without the token it shows
 * nothing. With Redis, the log, the per-action counts and the errors are
 * the cluster's, and the log is filtered by server.
 */
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatRoom, ChatRoomChannel } from "../../examples/chat/server.ts";
import { RedisAdapter } from "../../runtime/redis.ts";
import { ARTIFACTS, launchBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { RawPeer } from "../helpers/raw-peer.ts";
import { RedisServer } from "../helpers/redis-server.ts";
import { ScriptedChat } from "../helpers/scripted-chat.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

const TOKEN = "correct horse battery staple";

/** The chat room's channel, with everyone in the "lobby" group. */
class LobbyChannel extends ChatRoomChannel {
  override onConnect(): void {
    this.join("lobby");
  }
}

function startRoom(readOnly = false): Promise<ChatRoom> {
  const room = new ChatRoom({
    channelClass: LobbyChannel,
    port: 0,
    heartbeatIntervalMs: 200, // round trips are timed at each heartbeat while the page watches
    timeoutMs: 60_000,
    inspector: { port: 0, token: TOKEN, readOnly, intervalMs: 200 },
  });
  return room.start().then(() => room);
}

/** Opens the inspector's page; it is closed after the test. */
async function openPage(browser: TestBrowser, url: string, cleanup: Array<() => unknown>): Promise<Page> {
  const page = await browser.open(url);
  cleanup.push(() => page.close());
  return page;
}

async function rowCount(page: Page): Promise<number> {
  return page.locator("#channels tr[data-channel]").count();
}

describe("inspector in Chromium", () => {
  let browser: TestBrowser;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows three clients, their group and a message one sent; closes a channel and adds one to a group", async () => {
    const room = await startRoom();
    cleanup.push(() => room.stop());
    const page = await openPage(browser, `${room.inspectorUrl}#token=${encodeURIComponent(TOKEN)}`, cleanup);
    await page.waitForSelector("#main:not([hidden])", { timeout: PATIENCE_MS });

    const clients = ["alice", "bob", "carol"].map((name) => new ScriptedChat(name, cleanup));
    for (const client of clients) await client.connect("127.0.0.1", room.address.port);
    await clients[0]!.saw("* players: alice, bob, carol");
    clients[0]!.input("hello from alice");
    await clients[2]!.saw("<alice> hello from alice");

    await page.waitForFunction(() => document.querySelectorAll("#channels tr[data-channel]").length === 3, undefined, { timeout: PATIENCE_MS });
    await expect.poll(() => page.locator('#groups td[data-group="lobby"]').textContent(), { timeout: PATIENCE_MS }).toBe("3");
    for (const name of ["alice", "bob", "carol"]) {
      expect(
        await page
          .locator("#channels td.presence")
          .filter({ hasText: `"nickname":"${name}"` })
          .count(),
      ).toBe(1);
    }
    // alice's message, logged as it arrived, checked against the protocol and shown by type.
    const sent = page.locator('#log li[data-dir="in"][data-action="message"]').filter({ hasText: "hello from alice" });
    await sent.first().waitFor({ timeout: PATIENCE_MS });
    const line = await sent.first().textContent();
    expect(line).toContain('ChatClientMessages["message"]');
    expect(line).toContain('text: "hello from alice" string');
    expect(line).toContain("valid");
    // The player list as the protocol declares it (`list: string[]`), not as an "array of 3".
    const players = page.locator('#log li[data-dir="out"][data-action="players"]').filter({ hasText: "carol" });
    await players.first().waitFor({ timeout: PATIENCE_MS });
    expect(await players.first().textContent()).toContain("list: string[]");
    // …and the broadcast it caused, each copy counted on the way out.
    await page.locator('#log li[data-dir="out"][data-action="message"]').first().waitFor({ timeout: PATIENCE_MS });
    await expect.poll(() => page.locator('#actions tr[data-rate="in message"] td.num').first().textContent(), { timeout: PATIENCE_MS }).toBe("1");
    await expect.poll(() => page.locator('#actions tr[data-rate="out message"] td.num').first().textContent(), { timeout: PATIENCE_MS }).toBe("3");
    // Each channel's last round trip, timed by its heartbeat while the page watches.
    await page.waitForFunction(
      () => [...document.querySelectorAll("#channels tr[data-channel] td.rtt")].filter((td) => / ms$/.test(td.textContent ?? "")).length === 3,
      undefined,
      { timeout: PATIENCE_MS },
    );
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${ARTIFACTS}inspector.png`, fullPage: true });
    await page.setViewportSize({ width: 900, height: 640 });

    // Close carol's channel from the page.
    const carol = [...room.channels].find((c) => c.nickname === "carol")!;
    await page.locator(`#channels tr[data-channel="${carol.id}"] button[data-action="close"]`).click();
    await clients[2]!.saw("* disconnected");
    await waitFor(() => room.channels.size === 2, "carol's channel to be released");
    await expect.poll(() => rowCount(page), { timeout: PATIENCE_MS }).toBe(2);
    await clients[0]!.saw("* carol left");

    // Put alice in the "vip" group, then take her out.
    const alice = [...room.channels].find((c) => c.nickname === "alice")!;
    const aliceRow = page.locator(`#channels tr[data-channel="${alice.id}"]`);
    await aliceRow.locator("input.group").fill("vip");
    await aliceRow.locator('button[data-action="join"]').click();
    await waitFor(() => alice.groups.has("vip"), "alice in vip");
    await expect.poll(() => page.locator('#groups td[data-group="vip"]').textContent(), { timeout: PATIENCE_MS }).toBe("1");
    await page.locator(`#channels tr[data-channel="${alice.id}"] input.group`).fill("vip");
    await page.locator(`#channels tr[data-channel="${alice.id}"] button[data-action="leave"]`).click();
    await waitFor(() => !alice.groups.has("vip"), "alice out of vip");
    expect(browser.errors).toEqual([]);
  });

  it("read-only: shows the channels but refuses to close one", async () => {
    const room = await startRoom(true);
    cleanup.push(() => room.stop());
    const dave = new ScriptedChat("dave", cleanup);
    await dave.connect("127.0.0.1", room.address.port);
    await dave.saw("* dave joined");
    const page = await openPage(browser, `${room.inspectorUrl}#token=${encodeURIComponent(TOKEN)}`, cleanup);
    await expect.poll(() => rowCount(page), { timeout: PATIENCE_MS }).toBe(1);
    expect(await page.locator("#server-line").textContent()).toContain("read-only");
    const [channel] = [...room.channels];
    await page.locator(`#channels tr[data-channel="${channel!.id}"] button[data-action="close"]`).click();
    const result = page.locator('#command-result[data-result="refused"]');
    await result.waitFor({ timeout: PATIENCE_MS });
    expect(await result.textContent()).toBe(`refused: close ${channel!.id}: the inspector is read-only`);
    expect(room.channels.size).toBe(1);
    expect(channel!.isConnected).toBe(true);
    expect(dave.lines).not.toContain("* disconnected");
    expect(browser.errors).toEqual([]);
  });

  it("shows nothing without the token, and refuses a wrong one", async () => {
    const room = await startRoom();
    cleanup.push(() => room.stop());
    const erin = new ScriptedChat("erin", cleanup);
    await erin.connect("127.0.0.1", room.address.port);
    await erin.saw("* erin joined");

    const page = await openPage(browser, room.inspectorUrl!, cleanup);
    await page.waitForSelector("#login:not([hidden])", { timeout: PATIENCE_MS });
    expect(await page.locator("#main").isHidden()).toBe(true);
    expect(await page.locator("#status").textContent()).toBe("token required");
    expect(await page.content()).not.toContain(`"nickname":"erin"`);

    await page.fill("#token", "not the token");
    await page.click("#login button");
    await expect.poll(() => page.locator("#login-error").textContent(), { timeout: PATIENCE_MS }).toBe("refused: wrong token");
    expect(await rowCount(page)).toBe(0);
    expect(await page.content()).not.toContain("erin");
    await screenshot(page, "inspector-token");

    // The same page with the right token shows the room.
    await page.fill("#token", TOKEN);
    await page.click("#login button");
    await expect.poll(() => rowCount(page), { timeout: PATIENCE_MS }).toBe(1);
    expect(browser.errors).toEqual([]);
  });

  it("with Redis, logs and counts the messages of another server, filterable by server, and its errors", async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const prefix = `inspector-browser-cluster-${process.pid}`;
    const rooms: ChatRoom[] = [];
    for (let i = 0; i < 2; i++) {
      const room = new ChatRoom({ port: 0, adapter: new RedisAdapter({ url: redis.url, prefix }), inspector: { port: 0, token: TOKEN, intervalMs: 200 } });
      await room.start();
      cleanup.push(() => room.stop());
      rooms.push(room);
    }
    const [a, b] = rooms as [ChatRoom, ChatRoom];
    const page = await openPage(browser, `${a.inspectorUrl}#token=${encodeURIComponent(TOKEN)}`, cleanup);
    await page.waitForSelector("#main:not([hidden])", { timeout: PATIENCE_MS });
    // B counts its activity once A's inspector has asked for it (nobody opened B's page).
    const bActivity = (b as unknown as { inspector: { activity: { watched: boolean } } }).inspector.activity;
    await waitFor(() => bActivity.watched, "B counting for A's inspector");

    const ada = new ScriptedChat("ada", cleanup);
    await ada.connect("127.0.0.1", a.address.port);
    const bob = new ScriptedChat("bob", cleanup);
    await bob.connect("127.0.0.1", b.address.port);
    await ada.saw("* players: ada, bob");
    ada.input("hello from a");
    await bob.saw("<ada> hello from a");
    bob.input("hello from b");
    await ada.saw("<bob> hello from b");

    const fromB = page.locator(`#log li[data-dir="in"][data-action="message"][data-server="${b.serverId}"]`).filter({ hasText: "hello from b" });
    await fromB.first().waitFor({ timeout: PATIENCE_MS });
    expect(await fromB.first().textContent()).toContain(b.serverId);
    const fromA = page.locator(`#log li[data-dir="in"][data-action="message"][data-server="${a.serverId}"]`).filter({ hasText: "hello from a" });
    await fromA.first().waitFor({ timeout: PATIENCE_MS });
    // One line in on each server: the cluster's count.
    await expect.poll(() => page.locator('#actions tr[data-rate="in message"] td.num').first().textContent(), { timeout: PATIENCE_MS }).toBe("2");

    // Filtered by server: only B's messages.
    await page.selectOption("#filter-server", b.serverId);
    await expect.poll(() => page.locator(`#log li[data-server="${a.serverId}"]`).count(), { timeout: PATIENCE_MS }).toBe(0);
    expect(await fromB.count()).toBeGreaterThan(0);

    // An error on B, in A's errors by code.
    const raw = await RawPeer.connect(b.address.port);
    cleanup.push(() => raw.close());
    raw.send({ action: "nickname", nickname: "raw" });
    raw.send({ action: "message", text: 42 });
    await expect.poll(() => page.locator("#errors").textContent(), { timeout: PATIENCE_MS }).toContain("INVALID_PAYLOAD");
    await screenshot(page, "inspector-cluster");
    expect(browser.errors).toEqual([]);
  });
});
