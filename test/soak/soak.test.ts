/**
 * The small soak of `npm test`: a few hundred players connecting, chatting
 * and leaving for a few seconds against a chat server in another process
 * (the long run is `npm run soak`). The second test proves the soak can
 * fail: a server that drops lines is caught.
 */
import { describe, expect, it } from "vitest";
import { soak } from "./soak.ts";

describe("soak: players connecting, chatting and leaving", () => {
  it("300 players in churn for 3 s: nothing lost or disordered, every channel, descriptor and byte given back", async () => {
    const lines: string[] = [];
    const result = await soak({ connections: 300, seconds: 3, rate: 2, print: (line) => lines.push(line) });
    expect(result.failures, lines.join("\n")).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.disorder).toBe(0);
    expect(result.dropped).toBe(0);
    // Churn happened: players left and newcomers took their places.
    expect(result.players, lines.join("\n")).toBeGreaterThan(330);
    // Every player is accounted for, and every greeted one was accepted by the server (onConnect); one that
    // was still connecting when the run ended may or may not have been (on a busy machine, many are), and so
    // may each attempt that failed on the client's side (no connect or greeting within connectTimeoutMs on a
    // busy machine), whether it was retried or was the last.
    expect(result.greeted + result.connectFailures + result.abandoned).toBe(result.players);
    expect(result.server.end.accepted).toBeGreaterThanOrEqual(result.greeted);
    expect(result.server.end.accepted).toBeLessThanOrEqual(result.greeted + result.abandoned + result.retried + result.connectFailures);
    expect(result.said).toBeGreaterThan(500);
    expect(result.delivered).toBeGreaterThan(result.said);
    expect(result.server.end.channels).toBe(0);
    expect(result.server.end.fds).toBeLessThanOrEqual(result.server.start.fds + 4);
    // 300 players were in at once (counted at each connect; a descriptor count sampled every 250 ms can miss the peak under churn).
    expect(result.server.end.peakChannels).toBeGreaterThanOrEqual(300);
    expect(result.server.end.peakFds).toBeGreaterThan(result.server.start.fds + 200);
    expect(lines.at(-1)).toBe("lost: 0");
  });

  it("reports lost lines when the server drops some", async () => {
    const lines: string[] = [];
    const result = await soak({ connections: 50, seconds: 1, rate: 5, patienceMs: 1000, sabotage: "drop", print: (line) => lines.push(line) });
    expect(result.ok).toBe(false);
    expect(result.lost).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/^lost: [1-9]\d*$/);
  });
});
