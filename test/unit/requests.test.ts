/**
 * The asking side of requests on a clock moved by hand: timeouts fire in
 * deadline order from one shared timer, an answer in time is never timed
 * out, requests in a row arm no timer of their own; answers settle the
 * right request; failAll selects.
 */
import { describe, expect, it } from "vitest";
import { RepodError } from "../../runtime/errors.ts";
import type { Message } from "../../runtime/protocol.ts";
import { Requests } from "../../runtime/requests.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

function asker(timeoutMs = 1000) {
  const clock = new ManualClock();
  const sent: Array<Message & Record<string, unknown>> = [];
  const requests = new Requests({
    send: (m) => {
      sent.push(m);
      return 1;
    },
    remote: () => "peer:1",
    replies: null,
    timeoutMs,
    clock,
  });
  const outcomes: string[] = [];
  const ask = (action: string, timeout?: number) =>
    requests.ask(action, { n: 1 }, timeout === undefined ? {} : { timeoutMs: timeout }).then(
      (reply) => void outcomes.push(`${action}=${JSON.stringify(reply)}`),
      (error: RepodError) => void outcomes.push(`${action}:${error.code}`),
    );
  return { clock, sent, requests, outcomes, ask };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Requests", () => {
  it("sends the fields with the action and a fresh id", () => {
    const { sent, ask } = asker();
    void ask("a");
    void ask("b");
    expect(sent).toEqual([
      { n: 1, action: "a", _rid: 1 },
      { n: 1, action: "b", _rid: 2 },
    ]);
  });

  it("times requests out in deadline order from one shared timer; an answer in time is not timed out", async () => {
    const { clock, requests, outcomes, ask } = asker(1000);
    void ask("slow", 3000);
    void ask("default");
    void ask("quick", 500);
    void ask("answered", 200);
    expect(clock.pending).toBe(1);
    requests.answered({ action: "_reply", _rid: 4, reply: 7 });
    clock.advance(499);
    await settle();
    expect(outcomes).toEqual(["answered=7"]);
    clock.advance(1);
    await settle();
    expect(outcomes).toEqual(["answered=7", "quick:REQUEST_TIMEOUT"]);
    clock.advance(500);
    await settle();
    expect(outcomes).toEqual(["answered=7", "quick:REQUEST_TIMEOUT", "default:REQUEST_TIMEOUT"]);
    clock.advance(1999);
    await settle();
    expect(outcomes).toHaveLength(3);
    clock.advance(1);
    await settle();
    expect(outcomes.at(-1)).toBe("slow:REQUEST_TIMEOUT");
    expect(clock.pending).toBe(0);
    expect(requests.size).toBe(0);
  });

  it("arms no timer per request, none for timeoutMs 0, and none again once nothing waits", async () => {
    const { clock, requests, outcomes, ask } = asker();
    for (let i = 1; i <= 3; i++) {
      void ask(`a${i}`);
      requests.answered({ action: "_reply", _rid: i, reply: i });
    }
    expect(clock.pending).toBe(1);
    void ask("forever", 0);
    clock.advance(5000);
    await settle();
    expect(outcomes).toEqual(["a1=1", "a2=2", "a3=3"]);
    expect(clock.pending).toBe(0);
    expect(requests.size).toBe(1);
  });

  it("a refusal rejects with REQUEST_FAILED and its reason; an unknown or repeated id is ignored", async () => {
    const { requests, outcomes, ask } = asker();
    const failed = requests.ask("join", {}).catch((error: RepodError) => error);
    requests.answered({ action: "_reply", _rid: 1, error: "full" });
    requests.answered({ action: "_reply", _rid: 1, reply: 1 });
    requests.answered({ action: "_reply", _rid: 99, reply: 1 });
    requests.answered({ action: "_reply", _rid: "x", reply: 1 });
    const error = (await failed) as RepodError;
    expect([error.code, error.reason, error.message]).toEqual(["REQUEST_FAILED", "full", 'the request "join" failed: full (from peer:1)']);
    expect(outcomes).toEqual([]);
    void ask;
  });

  it("failAll fails what it selects, with the code that ended the connection", async () => {
    const { requests, outcomes, ask } = asker();
    void ask("before");
    requests.markBreak();
    void ask("after");
    requests.failAll(new RepodError("RESUME_FAILED", "fresh session"), requests.askedBeforeBreak);
    await settle();
    expect(outcomes).toEqual(["before:RESUME_FAILED"]);
    requests.failAll(undefined);
    await settle();
    expect(outcomes).toEqual(["before:RESUME_FAILED", "after:CONNECT_FAILED"]);
  });
});
