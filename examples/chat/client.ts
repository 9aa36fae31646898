/**
 * The chat client for a terminal: type a line to say it, `/nick NAME` to
 * rename, `/quit` to leave. The network is pumped 60 times a second, as a
 * game loop would.
 *
 *   npm run chat:client -- [host:port] [--name NAME]
 */
import readline from "node:readline";
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent } from "repod";
import { ChatListener, type ChatServerMessages } from "../../generated/chat.ts";
import { isMain, parseArgs } from "../args.ts";

export class ChatClient extends ChatListener {
  constructor(
    private nickname: string,
    private readonly print: (line: string) => void = console.log,
  ) {
    super();
  }

  Network_connected(_data: ConnectedEvent): void {
    this.print(`* connected as ${this.nickname}`);
    this.send({ action: "nickname", nickname: this.nickname });
  }
  Network_message(data: ChatServerMessages["message"]): void {
    this.print(`<${data.nickname}> ${data.text}`);
  }
  Network_system(data: ChatServerMessages["system"]): void {
    this.print(`* ${data.text}`);
  }
  Network_players(data: ChatServerMessages["players"]): void {
    this.print(`* players: ${data.list.join(", ") || "(nobody yet)"}`);
  }
  Network_error(data: ErrorEvent): void {
    this.print(`! ${data.code}: ${data.message}`);
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    this.print("* disconnected");
  }

  /** What the player typed: a line to say, or a command. Returns false on /quit. */
  input(line: string): boolean {
    const text = line.trim();
    if (text === "/quit") return false;
    if (text.startsWith("/nick ")) {
      this.nickname = text.slice(6).trim();
      this.send({ action: "nickname", nickname: this.nickname });
    } else if (text) this.send({ action: "message", text });
    return true;
  }
}

if (isMain(import.meta.url)) {
  const { host, port, flags } = parseArgs();
  const client = new ChatClient(flags.get("name") ?? `player${Math.floor(Math.random() * 1000)}`);
  await client.connect(host, port);
  const loop = setInterval(() => client.pump(), 1000 / 60);
  const rl = readline.createInterface({ input: process.stdin });
  const quit = (): void => {
    client.close();
    setTimeout(() => {
      client.pump();
      clearInterval(loop);
      rl.close();
    }, 100);
  };
  rl.on("line", (line) => client.input(line) || quit());
  rl.on("close", quit);
}
