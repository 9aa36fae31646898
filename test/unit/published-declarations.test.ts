/**
 * The published declarations (`npm run build`'s .d.ts): the runtime's own
 * wiring (`@internal` members, the server's host objects) is not in them,
 * they compile for a user with `skipLibCheck: false`, and a generated
 * channel compiled against them keeps its typed promise: a wrong broadcast
 * from a handler does not compile.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tsc = path.join(root, "node_modules/.bin/tsc");

function run(args: string[]): string {
  try {
    execFileSync(tsc, ["--pretty", "false", ...args], { cwd: root, encoding: "utf8" });
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

const USER = `
import { Channel, Server, type AnyMessage, type ChannelServer } from "./dist/runtime/index.js";
import { ChatChannel, ChatServer, type ChatClientMessages } from "./chat.ts";

class Echo extends Channel {
  Network_echo(data: AnyMessage): void {
    this.server.sendToAll(data);
    // @ts-expect-error -- the channel's link is the runtime's
    void this.link;
    // @ts-expect-error -- so is reporting to the server
    this.report(undefined as never);
  }
}
const server = new Server({ channelClass: Echo, port: 0 });
const seen: ChannelServer = server;
void seen;
// @ts-expect-error -- the server's wiring is not published
server.deliverLocal(new Uint8Array(0), { audience: { to: "all" } });
// @ts-expect-error -- nor what channels tell it
server.channelJoined(undefined as never, "lobby");

export class Room extends ChatChannel {
  Network_nickname(data: ChatClientMessages["nickname"]): void {
    this.server.sendToAll({ action: "system", text: data.nickname });
    // @ts-expect-error -- not a message of the chat server
    this.server.sendToAll({ action: "typo" });
  }
  Network_message(): void {}
}
new ChatServer({ channelClass: Room });
`;

describe("published declarations", () => {
  it("leave out the runtime's wiring, compile for a user, and keep generated channels typed", () => {
    const dir = path.join(root, "test/.artifacts/published");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      // The build's own options, for the runtime only (the generator's declarations are not at stake here).
      writeFileSync(
        path.join(dir, "tsconfig.build.json"),
        JSON.stringify({
          extends: "../../../tsconfig.build.json",
          compilerOptions: { outDir: "dist", rootDir: "../../..", emitDeclarationOnly: true, sourceMap: false },
          include: ["../../../runtime"],
        }),
      );
      const build = run(["-p", path.join(dir, "tsconfig.build.json")]);
      expect(build).toBe("");
      const channel = readFileSync(path.join(dir, "dist/runtime/channel.d.ts"), "utf8");
      // A private member shows as a bare name (`private channelHost;`), which nobody can call.
      const server = readFileSync(path.join(dir, "dist/runtime/server.d.ts"), "utf8").replace(/^\s*private (readonly )?\w+;$/gm, "");
      for (const internal of ["link", "report", "takeGroups", "attach", "host", "limits", "validators"]) {
        expect(channel, internal).not.toMatch(new RegExp(`^\\s*(readonly )?${internal}\\b`, "m"));
      }
      for (const internal of [
        "deliverLocal",
        "localCount",
        "localIds",
        "localMember",
        "channelJoined",
        "channelTransportClosed",
        "channelControl",
        "reportError",
      ]) {
        expect(server, internal).not.toContain(internal);
      }
      expect(server).toMatch(/class Server<.*> implements ChannelServer<OutOf<C>>/);

      // A user's project: the generated chat file importing the published runtime.
      const chat = readFileSync(path.join(root, "generated/chat.ts"), "utf8").replace('from "repod"', 'from "./dist/runtime/index.js"');
      writeFileSync(path.join(dir, "chat.ts"), chat);
      writeFileSync(path.join(dir, "user.ts"), USER);
      copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
      writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            allowImportingTsExtensions: true,
            types: ["node"],
            typeRoots: [path.join(root, "node_modules/@types")],
          },
          files: ["user.ts"],
        }),
      );
      expect(run(["-p", dir])).toBe("");
    } finally {
      // The root tsconfig includes test/: leave nothing for it to check.
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
