/**
 * The playground's pieces that run without a browser: its msgpack codec
 * agrees with the runtime's both ways; a protocol's browser module carries
 * the generated validators (same messages as generated/); the command's
 * usage errors.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../codegen/cli.ts";
import { parseProtocols } from "../../codegen/index.ts";
import { describeValue as pageDescribeValue } from "../../codegen/playground/describe-value.ts";
// @ts-expect-error plain JavaScript served to the page, without types
import { decode, encode } from "../../codegen/playground/page/msgpack.js";
import { protocolModule } from "../../codegen/playground/playground.ts";
import { chatProtocol } from "../../generated/chat.ts";
import { kitchenSinkProtocol } from "../../generated/kitchen_sink.ts";
import { decodePayload, describeValue, encodePayload } from "../../runtime/index.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const VALUES: unknown[] = [
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53) + 1,
  0.5,
  -1.25,
  1e300,
  "",
  "a",
  "é✓",
  "x".repeat(31),
  "x".repeat(32),
  "x".repeat(255),
  "x".repeat(256),
  "x".repeat(70_000),
  null,
  true,
  false,
  new Uint8Array([0, 1, 255]),
  new Uint8Array(300),
  [],
  [1, [2, [3]]],
  Array.from({ length: 20 }, (_, i) => i),
  {},
  { action: "move", at: [1.5, -2], tags: { a: true } },
  Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
  2n ** 63n - 1n,
  -(2n ** 63n),
];

/** Buffers (what the runtime decodes bin to) as plain Uint8Arrays, for comparison. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe("playground", () => {
  it("its msgpack codec and the runtime's read each other", () => {
    for (const value of VALUES) {
      expect(plain(decodePayload(encode(value)))).toEqual(value);
      expect(plain(decode(encodePayload(value)))).toEqual(value);
    }
    expect(() => decode(new Uint8Array([0x92, 1]))).toThrow("msgpack: truncated");
    expect(() => decode(new Uint8Array([1, 2]))).toThrow("msgpack: 1 bytes after the value");
  });

  it("names values as the runtime's describeValue does", () => {
    for (const value of [
      ...VALUES,
      undefined,
      new Date(0),
      new Set(),
      new Map(),
      Object.create(null),
      Buffer.from("x"),
      () => 1,
      Symbol("s"),
      new (class Point {})(),
    ]) {
      expect(pageDescribeValue(value)).toBe(describeValue(value));
    }
  });

  it("serves each protocol's generated validators as a browser module", async () => {
    const { protocols } = parseProtocols(["protocol/chat.protocol.ts", "protocol/kitchen_sink.protocol.ts"], { cwd: ROOT });
    for (const [model, descriptor] of [
      [protocols[0]!, chatProtocol],
      [protocols.find((p) => p.name === "kitchen_sink")!, kitchenSinkProtocol],
    ] as const) {
      const source = protocolModule(model);
      expect(source).not.toMatch(/from\s+["']repod["']/);
      const module = (await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`)) as Record<string, any>;
      const served = Object.values(module).find((v) => v?.fingerprint === descriptor.fingerprint);
      expect(Object.keys(served.client)).toEqual(Object.keys(descriptor.client));
      for (const [action, validate] of Object.entries(descriptor.client)) {
        for (const bad of [{}, { text: 42 }, { ids: [1.5], grid: [], pairs: [] }, { nickname: null }]) {
          expect(served.client[action]({ action, ...bad })).toBe(validate({ action, ...bad }));
        }
      }
    }
  });

  it("says how to use it when asked wrongly", async () => {
    const run = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await main(["playground", ...argv], { cwd: ROOT, out: (l) => lines.push(l), err: (l) => lines.push(l) });
      return { code, first: lines.join("\n").split("\n")[0] };
    };
    expect(await run()).toEqual({ code: 2, first: "repod playground: name protocol files or folders" });
    expect(await run("protocol/chat.protocol.ts", "--connect", "nowhere")).toEqual({
      code: 2,
      first: 'repod playground: --connect takes host:port or a ws:// URL, got "nowhere"',
    });
    expect(await run("protocol/chat.protocol.ts", "--port", "x")).toEqual({ code: 2, first: 'repod playground: --port must be a port number, got "x"' });
    expect(await run("protocol/geometry.protocol.ts", "--port", "0")).toEqual({
      code: 1,
      first: "repod playground: none of these protocol files declares ClientMessages or ServerMessages",
    });
  });
});
