import type { Server as HttpServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser } from "../../examples/web/bundle.ts";
import { createPageServer, listen } from "../../examples/web/page-server.ts";
import { type AnyMessage, Channel, Server } from "../../runtime/index.ts";
import { launchBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { PATIENCE_MS, waitFor } from "../helpers/wait.ts";

const fixture = (name: string): string => new URL(`fixtures/${name}`, import.meta.url).pathname;

class RelayChannel extends Channel {
  Network_say(data: AnyMessage): void {
    this.server.sendToAll({ action: "said", text: data.text, via: this.link.transport?.kind } as AnyMessage);
  }
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
}

describe("the runtime in the browser bundle", () => {
  it("pulls in no node: module, and carries the msgpack decoder and the WebSocket connector", async () => {
    const script = await bundleForBrowser(fixture("relay-client.ts"), { minify: true });
    expect(script).not.toMatch(/["']node:/);
    // Self-contained: no import or require left for the browser to resolve.
    expect(script).not.toMatch(/\bimport\s*[\w{*][^;]*?from\s*["']|\bimport\(["']|\brequire\(/);
    expect(script).toContain("new WebSocket(");
    expect(script).toContain("is not a value repod sends"); // runtime/wire/msgpack-decoder.ts
  });
});

describe("a browser client and a Node TCP client on one server", () => {
  let http: HttpServer;
  let server: Server<RelayChannel>;
  let browser: TestBrowser;
  let port: number;

  beforeAll(async () => {
    http = await createPageServer({ html: fixture("relay-page.html"), entry: fixture("relay-client.ts") });
    port = await listen(http, "127.0.0.1", 0);
    server = new Server({ channelClass: RelayChannel, port: 0, websocket: { server: http, path: "/ws" } });
    await server.start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => http?.close(resolve));
  });

  it("exchange messages both ways through the same server; bytes and numbers survive", async () => {
    const page = await browser.open(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as any).relay?.received.some((m: any) => m.action === "connected"), undefined, { timeout: PATIENCE_MS });
    const tcp = new RecordingListener().loop();
    try {
      await tcp.connect("127.0.0.1", server.address.port);
      await tcp.waitFor("connected");
      tcp.send({ action: "say", text: "from node" });
      await page.waitForFunction(() => (window as any).relay.received.some((m: any) => m.action === "said"), undefined, { timeout: PATIENCE_MS });
      await page.evaluate(() => {
        const relay = (window as any).relay;
        relay.send({ action: "say", text: "from the browser" });
        relay.send({ action: "echo", bytes: new Uint8Array([0, 255]), big: 2 ** 40, half: 0.5, nested: { list: [1, "two", null] } });
      });
      await tcp.waitFor("said", 2);
      expect(tcp.of("said").map((m) => [m.text, m.via])).toEqual([
        ["from node", "tcp"],
        ["from the browser", "websocket"],
      ]);
      await page.waitForFunction(() => (window as any).relay.received.some((m: any) => m.action === "echo"), undefined, { timeout: PATIENCE_MS });
      const seen = await page.evaluate(() => (window as any).relay.received.map((m: any) => (m.bytes ? { ...m, bytes: [...m.bytes] } : m)));
      expect(seen.map((m: AnyMessage) => m.action)).toEqual(["socketConnect", "connected", "said", "said", "echo"]);
      expect(seen[4]).toEqual({ action: "echo", bytes: [0, 255], big: 2 ** 40, half: 0.5, nested: { list: [1, "two", null] } });
      await screenshot(page, "runtime-relay");
      await waitFor(() => server.channels.size === 2, "two channels");
    } finally {
      tcp.close();
      tcp.stop();
    }
    expect(browser.errors).toEqual([]);
  });
});
