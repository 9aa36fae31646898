/**
 * `repod breaking` on the three versions of test/compat (folders and a git
 * ref), on the repository's own protocol files, and each rule on its own;
 * and the freshness of the versions' generated code.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { breakingChanges, formatBreakingChange } from "../../codegen/breaking.ts";
import { main } from "../../codegen/cli.ts";
import { compareWithDisk } from "../../codegen/files.ts";
import { generate } from "../../codegen/index.ts";
import { parseModel } from "../codegen/helpers.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function run(cwd: string, ...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { cwd, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * This repository's protocols are checked against a fixed earlier commit, as
 * a game checks against its last release: `074aa75`, where requests came and
 * the tag example's `join` message became a request (its `welcome` became
 * the reply). That was a deliberate break for tag clients built before it
 * (the example has no deployed clients); the commit before it,
 * `dc3dbe5`, shows it, and nothing else. Move the baseline only with a
 * deliberate break, recorded here.
 */
const BASELINE = "074aa7505b2ef9194a19c8a1b4f799f6380b863a";
const BEFORE_REQUESTS = "dc3dbe5e29ee31d2dec2a67577c4d3a1ef0f6da0";

const V3_AGAINST_V1 = [
  "test/compat/v1/game.protocol.ts:10:3: ClientMessages.chat was removed, but clients built from the earlier version still send it [MESSAGE_REMOVED]\n" +
    "  instead: put it back with @deprecated in its doc; remove it in a later version, once no client built before still uses it",
  'test/compat/v3/game.protocol.ts:16:11: ClientMessages.move.dir changed type: clients built from the earlier version send "up" | "down" | "left" | "right", the server now reads Int [FIELD_RETYPED]\n' +
    "  instead: keep the field's type; add a field (or a message) with the new type and deprecate the old one",
];

describe("repod breaking", () => {
  it("reports v3 against v1: the retyped field and the message removed without a deprecation, exit 1", async () => {
    const { code, err } = await run(root, "breaking", "test/compat/v3", "--against", "test/compat/v1");
    expect(code).toBe(1);
    expect(err).toEqual([...V3_AGAINST_V1, "repod breaking: 2 breaking changes against test/compat/v1"]);
  });

  it("passes v2 against v1: an optional field, a message and a request each way, a deprecation, a reordering", async () => {
    const { code, out, err } = await run(root, "breaking", "test/compat/v2", "--against", "test/compat/v1");
    expect(err).toEqual([]);
    expect(out).toEqual(["repod breaking: no breaking change against test/compat/v1 (1 protocol compared)"]);
    expect(code).toBe(0);
  });

  it("lets v3 remove what v2 deprecated; against v2 it reports the retyped field, the retyped reply and the request removed", async () => {
    const { code, err } = await run(root, "breaking", "test/compat/v3", "--against", "test/compat/v2");
    expect(code).toBe(1);
    expect(err).toEqual([
      "test/compat/v2/game.protocol.ts:39:3: ServerRequests.ready was removed, but clients built from the earlier version still wait to be asked it [REQUEST_REMOVED]\n" +
        "  instead: put it back with @deprecated in its doc; remove it in a later version, once no client built before still uses it",
      V3_AGAINST_V1[1],
      "test/compat/v3/game.protocol.ts:31:36: ClientRequests.seat's reply.seat changed type: the server now sends string, clients built from the earlier version read Int [FIELD_RETYPED]\n" +
        "  instead: keep the field's type; add a field (or a message) with the new type and deprecate the old one",
      "repod breaking: 3 breaking changes against test/compat/v2",
    ]);
  });

  it("compares with a git ref: the protocol files as they were committed", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "repod-breaking-"));
    temporary.push(dir);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    cpSync(path.join(root, "test/compat/v1/game.protocol.ts"), path.join(dir, "protocol/game.protocol.ts"));
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "v1");
    cpSync(path.join(root, "test/compat/v2/game.protocol.ts"), path.join(dir, "protocol/game.protocol.ts"));
    expect((await run(dir, "breaking", "protocol", "--against", "HEAD")).code).toBe(0);
    cpSync(path.join(root, "test/compat/v3/game.protocol.ts"), path.join(dir, "protocol/game.protocol.ts"));
    const { code, err } = await run(dir, "breaking", "protocol", "--against", "HEAD");
    expect(code).toBe(1);
    expect(err.map((line) => line.split("\n")[0])).toEqual([
      "protocol/game.protocol.ts:10:3: ClientMessages.chat was removed, but clients built from the earlier version still send it [MESSAGE_REMOVED]",
      'protocol/game.protocol.ts:16:11: ClientMessages.move.dir changed type: clients built from the earlier version send "up" | "down" | "left" | "right", the server now reads Int [FIELD_RETYPED]',
      "repod breaking: 2 breaking changes against HEAD",
    ]);
  });

  it("says so when the earlier version cannot be read, exit 2", async () => {
    const { code, err } = await run(root, "breaking", "protocol", "--against", "no-such-ref-or-folder");
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^repod breaking: "no-such-ref-or-folder" is neither a folder nor a git ref git can read/);
    expect((await run(root, "breaking", "protocol")).code).toBe(2);
  });

  it("finds no breaking change in this repository's own protocol files since their baseline (npm run breaking, as a user's CI would)", async () => {
    // The baseline is the commit of the last deliberate break (below), named in package.json's `breaking` script.
    const script: string = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts.breaking;
    const baseline = /--against ([0-9a-f]{40})$/.exec(script)?.[1];
    expect(baseline, `package.json's breaking script: ${script}`).toBe(BASELINE);
    const { code, out, err } = await run(root, "breaking", "protocol", "--against", BASELINE);
    expect(err).toEqual([]);
    expect(out[0]).toMatch(new RegExp(`^repod breaking: no breaking change against ${BASELINE} \\(\\d+ protocols compared\\)$`));
    expect(code).toBe(0);
  });

  it("records the one deliberate break before the baseline: tag's join became a request, so tag clients built before cannot join", async () => {
    const { code, err } = await run(root, "breaking", "protocol", "--against", BEFORE_REQUESTS);
    expect(code).toBe(1);
    expect(err.map((line) => line.split("\n")[0])).toEqual([
      "protocol/tag.protocol.ts:44:3: ClientMessages.join was removed (it is a request now), but clients built from the earlier version still send it [MESSAGE_REMOVED]",
      "protocol/tag.protocol.ts:52:3: ServerMessages.welcome was removed, but clients built from the earlier version still wait for it [MESSAGE_REMOVED]",
      `repod breaking: 2 breaking changes against ${BEFORE_REQUESTS}`,
    ]);
  });
});

/** The breaking changes from `before` to `after` (protocol file texts), one line each. */
function changes(before: string, after: string): string[] {
  return breakingChanges([parseModel(before)], [parseModel(after)]).map((c) =>
    formatBreakingChange(c)
      .split("\n")[0]!
      .replace(/^[^ ]+ /, ""),
  );
}

describe("the rules, direction by direction", () => {
  const client = (fields: string, extra = "") => `${extra}\nexport interface ClientMessages {\n  m: { ${fields} };\n}\n`;
  const server = (fields: string, extra = "") => `${extra}\nexport interface ServerMessages {\n  m: { ${fields} };\n}\n`;

  it("a required field added: breaks ClientMessages (the server requires it), not ServerMessages (old clients ignore it)", () => {
    expect(changes(client("a: string"), client("a: string; b: number"))).toEqual([
      "ClientMessages.m.b is now required, but clients built from the earlier version do not send it [FIELD_REQUIRED]",
    ]);
    expect(changes(server("a: string"), server("a: string; b: number"))).toEqual([]);
  });

  it("an optional field added breaks neither; made required breaks ClientMessages; made optional breaks ServerMessages", () => {
    expect(changes(client("a: string"), client("a: string; b?: number"))).toEqual([]);
    expect(changes(server("a: string"), server("a: string; b?: number"))).toEqual([]);
    expect(changes(client("a?: string"), client("a: string"))).toEqual([
      "ClientMessages.m.a is now required, but clients built from the earlier version may leave it out [FIELD_REQUIRED]",
    ]);
    expect(changes(server("a: string"), server("a?: string"))).toEqual([
      "ServerMessages.m.a may now be left out (it became optional), but clients built from the earlier version require it [FIELD_REQUIRED]",
    ]);
  });

  it("a field removed: only once deprecated; and never one that earlier clients require", () => {
    expect(changes(client("a: string; b: number"), client("a: string"))).toEqual([
      "ClientMessages.m.b was removed without being deprecated first [FIELD_REMOVED]",
    ]);
    expect(changes(client("a: string; \n    /** @deprecated */\n    b: number"), client("a: string"))).toEqual([]);
    expect(changes(server("a: string; \n    /** @deprecated */\n    b?: number"), server("a: string"))).toEqual([]);
    expect(changes(server("a: string; \n    /** @deprecated */\n    b: number"), server("a: string"))).toEqual([
      "ServerMessages.m.b may now be left out (it was removed), but clients built from the earlier version require it [FIELD_REQUIRED]",
    ]);
  });

  it("a message removed: only once deprecated, either way", () => {
    const twoClient = "export interface ClientMessages {\n  m: {};\n  n: {};\n}\n";
    const deprecated = "export interface ClientMessages {\n  m: {};\n  /** @deprecated use m */\n  n: {};\n}\n";
    const one = "export interface ClientMessages {\n  m: {};\n}\n";
    expect(changes(twoClient, one)).toEqual(["ClientMessages.n was removed, but clients built from the earlier version still send it [MESSAGE_REMOVED]"]);
    expect(changes(deprecated, one)).toEqual([]);
    expect(changes(twoClient.replace("Client", "Server"), one.replace("Client", "Server"))).toEqual([
      "ServerMessages.n was removed, but clients built from the earlier version still wait for it [MESSAGE_REMOVED]",
    ]);
  });

  it("a union or literal narrowed breaks what the server reads; widened, what old clients read", () => {
    expect(changes(client('k: "a" | "b"'), client('k: "a"'))).toEqual([
      'ClientMessages.m.k no longer accepts "b", which clients built from the earlier version may send (now: "a") [VALUES_NARROWED]',
    ]);
    expect(changes(client('k: "a"'), client('k: "a" | "b"'))).toEqual([]);
    expect(changes(server('k: "a"'), server('k: "a" | "b"'))).toEqual([
      'ServerMessages.m.k may now be "b", which clients built from the earlier version refuse (they accept "a") [VALUES_NARROWED]',
    ]);
    expect(changes(server('k: "a" | "b"'), server('k: "a"'))).toEqual([]);
    expect(changes(client("k: string | null"), client("k: string"))).toEqual([
      "ClientMessages.m.k changed type: clients built from the earlier version send null, the server now reads string [FIELD_RETYPED]",
    ]);
  });

  it("a type changed breaks both ways, except a widening where the server reads (Int to number)", () => {
    expect(changes(client("x: Int", 'import type { Int } from "repod";'), client("x: number"))).toEqual([]);
    expect(changes(client("x: number"), client("x: Int", 'import type { Int } from "repod";'))).toEqual([
      "ClientMessages.m.x changed type: clients built from the earlier version send number, the server now reads Int [FIELD_RETYPED]",
    ]);
    expect(changes(server("x: string[]"), server("x: number[]"))).toEqual([
      "ServerMessages.m.x[] changed type: the server now sends number, clients built from the earlier version read string [FIELD_RETYPED]",
    ]);
    expect(changes(server("p: { x: number }"), server("p: { x: number; y: string }"))).toEqual([]);
    expect(changes(client("p: { x: number }"), client("p: { x: number; y: string }"))).toEqual([
      "ClientMessages.m.p.y is now required, but clients built from the earlier version do not send it [FIELD_REQUIRED]",
    ]);
  });

  it("docs, order, renamed named types and recursive types are not changes", () => {
    const before = "interface Node { kids: Node[]; name: string }\nexport interface ClientMessages {\n  a: { n: Node };\n  b: { x: number; y: string };\n}\n";
    const after =
      "/** A tree. */\ninterface Tree { name: string; kids: Tree[] }\nexport interface ClientMessages {\n  /** Doc. */\n  b: { y: string; x: number };\n  a: { n: Tree };\n}\n";
    expect(changes(before, after)).toEqual([]);
  });
});

describe("the versions' generated code", () => {
  it("is fresh (npm run generate:compat)", () => {
    for (const version of ["v1", "v2", "v3"]) {
      const files = generate([`test/compat/${version}/game.protocol.ts`], { cwd: root, outDir: `test/compat/${version}` });
      expect(compareWithDisk(files, root).map((f) => `${f.path}: ${f.state}`)).toEqual([`test/compat/${version}/game.ts: unchanged`]);
    }
  });

  it("carries @deprecated to the message type and the handler, where editors strike them through", async () => {
    const text = readFileSync(path.join(root, "test/compat/v2/game.ts"), "utf8");
    expect(text).toContain('  /** @deprecated Use `emote`: chat goes away in version 3. */\n  chat: { action: "chat"; text: string };');
    expect(text).toContain(
      '  /** @deprecated Use `emote`: chat goes away in version 3. */\n  abstract Network_chat(data: GameClientMessages["chat"]): void | Promise<void>;',
    );
  });
});

describe("the rules for requests", () => {
  const asks = (side: "Client" | "Server", methods: string, extra = "") => `${extra}\nexport interface ${side}Requests {\n  ${methods}\n}\n`;
  const int = 'import type { Int } from "repod";';

  it("a request added breaks nothing; one removed breaks unless it was deprecated, either way", () => {
    expect(changes(asks("Client", "a(): null;"), asks("Client", "a(): null;\n  b(data: { x: string }): boolean;"))).toEqual([]);
    expect(changes(asks("Server", "a(): null;"), asks("Server", "a(): null;\n  b(): boolean;"))).toEqual([]);
    expect(changes(asks("Client", "a(): null;\n  b(): null;"), asks("Client", "a(): null;"))).toEqual([
      "ClientRequests.b was removed, but clients built from the earlier version still ask it [REQUEST_REMOVED]",
    ]);
    expect(changes(asks("Server", "a(): null;\n  b(): null;"), asks("Server", "a(): null;"))).toEqual([
      "ServerRequests.b was removed, but clients built from the earlier version still wait to be asked it [REQUEST_REMOVED]",
    ]);
    expect(changes(asks("Client", "a(): null;\n  /** @deprecated use a */\n  b(): null;"), asks("Client", "a(): null;"))).toEqual([]);
  });

  it("a request's fields follow the rules of its direction's messages", () => {
    expect(changes(asks("Client", "a(data: { x: string }): null;"), asks("Client", "a(data: { x: Int }): null;", int))).toEqual([
      "ClientRequests.a.x changed type: clients built from the earlier version send string, the server now reads Int [FIELD_RETYPED]",
    ]);
    expect(changes(asks("Client", "a(data: { x: string }): null;"), asks("Client", "a(data: { x: string; y: string }): null;"))).toEqual([
      "ClientRequests.a.y is now required, but clients built from the earlier version do not send it [FIELD_REQUIRED]",
    ]);
    expect(changes(asks("Server", "a(data: { x: string }): null;"), asks("Server", "a(data: { x: string; y: string }): null;"))).toEqual([]);
    expect(changes(asks("Client", "a(data: { x: string; y: string }): null;"), asks("Client", "a(data: { x: string }): null;"))).toEqual([
      "ClientRequests.a.y was removed without being deprecated first [FIELD_REMOVED]",
    ]);
  });

  it("a reply is read the other way: the server answers clients' requests, clients answer the server's", () => {
    // The new server answers, earlier clients read the answer.
    expect(changes(asks("Client", "a(): { seat: Int };", int), asks("Client", "a(): { seat: string };"))).toEqual([
      "ClientRequests.a's reply.seat changed type: the server now sends string, clients built from the earlier version read Int [FIELD_RETYPED]",
    ]);
    expect(changes(asks("Client", "a(): { seat: Int };", int), asks("Client", "a(): { seat: Int; row?: Int };", int))).toEqual([]);
    expect(changes(asks("Client", "a(): { seat: Int };", int), asks("Client", "a(): { seat: Int } | null;", int))).toEqual([
      "ClientRequests.a's reply changed type: the server now sends null, clients built from the earlier version read { seat: Int } [FIELD_RETYPED]",
    ]);
    // Earlier clients answer, the new server reads the answer.
    expect(changes(asks("Server", "a(): boolean;"), asks("Server", "a(): boolean | null;"))).toEqual([]);
    expect(changes(asks("Server", 'a(): "yes" | "no";'), asks("Server", 'a(): "yes";'))).toEqual([
      'ServerRequests.a\'s reply no longer accepts "no", which clients built from the earlier version may send (now: "yes") [VALUES_NARROWED]',
    ]);
  });

  it("a message that became a request is a message removed: earlier clients still send it without asking", () => {
    const before = "export interface ClientMessages {\n  join: { name: string };\n}\n";
    const after = "export interface ClientRequests {\n  join(data: { name: string }): null;\n}\n";
    expect(changes(before, after)).toEqual([
      "ClientMessages.join was removed (it is a request now), but clients built from the earlier version still send it [MESSAGE_REMOVED]",
    ]);
  });
});
