/**
 * A server killed and started again on the same port while its client goes
 * on sending: the session cannot resume (the new process never knew it), and
 * what the game sent while the server was down is not lost — it goes out on
 * the fresh session, right after the game's `connected` handler.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AnyMessage } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";
import { spawnTs, type TsChild } from "../helpers/ts-child.ts";
import { sleep } from "../helpers/wait.ts";
import { cleanup, runCleanup } from "./fixtures.ts";

afterEach(runCleanup);

/** Logs in on every `connected`, as a game does. */
class LoggingIn extends RecordingListener {
  override Network_connected(data: AnyMessage): void {
    super.Network_connected(data);
    this.send({ action: "login", name: "ada" });
  }
}

function start(port = 0): TsChild {
  const child = spawnTs("test/session/restart-server.ts", { env: { PORT: String(port) } });
  cleanup.push(() => child.process.kill("SIGKILL"));
  return child;
}

/** Asks `child` what it received until there are `count` messages; fails after 10 s. */
async function receivedAtLeast(child: TsChild, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await received(child);
    if (got.length >= count || Date.now() > deadline) return got;
    await sleep(10);
  }
}

async function received(child: TsChild): Promise<string[]> {
  const reply = await child.request<{ type: "got"; messages: AnyMessage[] }>({ type: "got" }, "got");
  return reply.messages.map((m) => (m.action === "note" ? String(m.i) : String(m.action)));
}

describe("a server killed and restarted on the same port", () => {
  it("the messages sent while it was down go out on the fresh session after the game's connected handler, once, in order", async () => {
    const first = start();
    const { port } = await first.next<{ type: "listening"; port: number }>("listening");
    const client = new LoggingIn({ reconnectMinDelayMs: 20, reconnectMaxDelayMs: 100, reconnectAttempts: 1000 }).loop(2);
    cleanup.push(() => {
      client.close();
      client.stop();
    });
    await client.connect("127.0.0.1", port);
    await client.waitFor("connected");
    for (let i = 0; i < 5; i++) client.send({ action: "note", i });
    expect(await receivedAtLeast(first, 6)).toEqual(["login", "0", "1", "2", "3", "4"]);

    first.process.kill("SIGKILL");
    await first.exited;
    await client.waitFor("reconnecting");
    for (let i = 5; i < 23; i++) expect(client.send({ action: "note", i })).toBeGreaterThan(0);

    const second = start(port);
    await second.next("listening");
    await client.waitFor("connected", 2, 30_000);
    for (let i = 23; i < 25; i++) client.send({ action: "note", i });

    expect(await receivedAtLeast(second, 21)).toEqual(["login", ...Array.from({ length: 20 }, (_, k) => String(k + 5))]);
    expect(client.of("connected").map((m) => m.resumed)).toEqual([undefined, false]);
    const errors = client.of("error");
    expect(errors.map((e) => e.code)).toEqual(["RESUME_FAILED"]);
    expect(String(errors[0]!.message)).toMatch(
      /^could not resume the session \(.+\): a fresh one begins; the 18 messages sent since the connection broke are sent on it after your connected handler(; \d+ sent before the break may not have arrived)? \(from 127\.0\.0\.1:\d+\)$/,
    );
    expect(client.of("disconnected")).toEqual([]);
  }, 60_000);
});
