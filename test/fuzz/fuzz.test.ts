/**
 * The bounded fuzz of `npm test`: a few thousand hostile cases against a
 * server in a child process (the long run is `npm run fuzz`). The last two
 * tests prove the fuzzer can fail: a server that drops or crashes is caught.
 */
import { describe, expect, it } from "vitest";
import { PATIENCE_MS } from "../helpers/wait.ts";
import { fuzz } from "./fuzz.ts";

describe("fuzzing a live server", () => {
  it("survives 3,000 random and mutated cases: no crash, nothing lost, every intact connection still served", async () => {
    const lines: string[] = [];
    const result = await fuzz({ cases: 3000, seed: 20240607, stalledClaims: 100, patienceMs: PATIENCE_MS, print: (line) => lines.push(line) });
    expect(result.failures, lines.join("\n")).toEqual([]);
    expect(result.crashes).toBe(0);
    expect(result.lost).toBe(0);
    expect(result.cases).toBe(3000);
    for (const kind of ["hostile", "flipped", "huge-length", "short-length", "long-length", "burst", "recursive", "garbage"])
      expect(result.byKind[kind]).toBeGreaterThan(0);
    expect(result.probes.sent).toBeGreaterThan(1000);
    expect(result.probes.answered).toBe(result.probes.sent);
    expect(result.oversized.closed).toBe(result.oversized.sent);
    expect(result.watchdog.sent).toBeGreaterThan(0);
    expect(result.watchdog.back).toBe(result.watchdog.sent);
    expect(result.errors.DECODE_FAILED).toBeGreaterThan(0);
    expect(result.errors.FRAME_TOO_LARGE).toBeGreaterThan(0);
    expect(result.errors.INVALID_PAYLOAD).toBeGreaterThan(0); // the typed server's validators saw hostile messages
    expect(result.target.channelsLeft).toBe(0);
    expect(lines.at(-1)).toBe("crashes: 0, lost: 0");
  });

  it("reports lost messages when the server drops some", async () => {
    const lines: string[] = [];
    const result = await fuzz({ cases: 300, seed: 1, stalledClaims: 0, patienceMs: 500, sabotage: "drop", print: (line) => lines.push(line) });
    expect(result.ok).toBe(false);
    expect(result.lost).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/^crashes: \d+, lost: [1-9]\d*$/);
  });

  it("reports a crash when the server process dies", async () => {
    const lines: string[] = [];
    const result = await fuzz({ cases: 5000, seed: 2, stalledClaims: 0, patienceMs: 1000, sabotage: "crash", print: (line) => lines.push(line) });
    expect(result.ok).toBe(false);
    expect(result.crashes).toBeGreaterThan(0);
    expect(result.failures[0]).toMatch(/the server process died[\s\S]*sabotaged/);
  });
});
