import { afterEach, describe, expect, it } from "vitest";
import { Script } from "../helpers/spawn.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe("lag_time example", () => {
  it("the client answers 10 pings and closes; the server prints every round trip and the statistics", async () => {
    const server = new Script("examples/lag_time/server.ts", ["127.0.0.1:0"]);
    cleanup.push(() => server.kill());
    const port = await server.port();
    const client = new Script("examples/lag_time/client.ts", [`127.0.0.1:${port}`]);
    cleanup.push(() => client.kill());
    expect(await client.exit()).toBe(0);
    expect(client.lines.filter((l) => /^got ping \d+$/.test(l))).toEqual([...Array(10).keys()].map((i) => `got ping ${i}`));
    expect(client.lines).toContain("disconnected after answering 10 pings");
    const stats = await server.line(/left after (\d+) pings: min ([\d.]+) ms, median ([\d.]+) ms, max ([\d.]+) ms/);
    expect(Number(stats[1])).toBe(10);
    const [min, median, max] = [Number(stats[2]), Number(stats[3]), Number(stats[4])];
    expect(min).toBeLessThanOrEqual(median);
    expect(median).toBeLessThanOrEqual(max);
    expect(server.lines.filter((l) => /ping \d+ round trip [\d.]+ ms/.test(l))).toHaveLength(10);
  });
});
