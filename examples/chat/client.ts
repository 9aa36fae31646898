/**
 * The chat client for a terminal: type a line to say it, `/nick NAME` to
 * rename, `/quit` to leave. The network is pumped 60 times a second, as a
 * game loop would.
 *
 *   npm run chat:client -- [host:port] [--name NAME]
 */
import readline from "node:readline";
import {
  type ConnectedEvent,
  type ConnectOptions,
  type DisconnectedEvent,
  type ErrorEvent,
  isRepodError,
  type ReconnectedEvent,
  type ReconnectingEvent,
} from "repod";
import { type Auth, ChatListener, type ChatServerMessages } from "../../generated/chat.ts";
import { exampleArgs, isMain } from "../args.ts";

export class ChatClient extends ChatListener {
  private joined = false;

  constructor(
    private nickname: string,
    private readonly print: (line: string) => void = console.log,
  ) {
    super();
  }

  /** Connects, presenting our nickname: the server lets us in only if it is free. */
  override connect(host?: string, port?: number): Promise<void>;
  override connect(url: string, options: ConnectOptions<Auth>): Promise<void>;
  override connect(where?: string, port?: number | ConnectOptions<Auth>): Promise<void> {
    const auth = { nickname: this.nickname };
    return typeof port === "object" ? super.connect(where!, { auth, ...port }) : super.connect(where, port, { auth });
  }

  /** The server accepted our nickname. (A resumed session needs nothing: the server kept our channel, name and all.) */
  Network_connected(_data: ConnectedEvent): void {
    this.joined = true;
    this.print(`* connected as ${this.nickname}`);
  }
  Network_reconnecting(data: ReconnectingEvent): void {
    if (data.attempt !== 1) return;
    if (this.joined) this.print(`* connection lost (${data.code}); reconnecting, what you type will be sent`);
    else this.print(`* cannot reach the server yet (${data.code}); trying again, what you type will be sent`);
  }
  Network_reconnected(_data: ReconnectedEvent): void {
    this.print("* reconnected");
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

  /** What the player typed: a line to say, or a command. Returns false on /quit, or when the connection has ended. */
  input(line: string): boolean {
    const text = line.trim();
    if (text === "/quit") return false;
    try {
      if (text.startsWith("/nick ")) {
        this.nickname = text.slice(6).trim();
        this.send({ action: "nickname", nickname: this.nickname });
      } else if (text) this.send({ action: "message", text });
    } catch (error) {
      // The server closed the connection, or every attempt to reach it failed: nothing typed now would arrive.
      if (!isRepodError(error, "CLOSED")) throw error;
      this.print(`! ${error.message}`);
      return false;
    }
    return true;
  }
}

if (isMain(import.meta.url)) {
  const { host, port, values } = exampleArgs({ name: { type: "string" } });
  const client = new ChatClient(values.name ?? `player${Math.floor(Math.random() * 1000)}`);
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
