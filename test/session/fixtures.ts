/** Servers, channels and clients shared by the session tests: disposable, on 127.0.0.1 port 0. */
import { type AnyMessage, Channel, type ClientOptions, Server, type ServerOptions } from "../../runtime/index.ts";
import { RecordingListener } from "../helpers/listener.ts";

/** Records what its client sends, and the hooks it gets. */
export class RecordingChannel extends Channel {
  readonly got: AnyMessage[] = [];
  readonly hooks: string[] = [];
  Network_echo(data: AnyMessage): void {
    this.send(data);
  }
  networkReceived(data: AnyMessage): void {
    this.got.push(data);
  }
  override onConnect(): void {
    this.hooks.push("connect");
  }
  override onClose(): void {
    this.hooks.push("close");
  }
  override onSuspend(): void {
    this.hooks.push("suspend");
  }
  override onResume(): void {
    this.hooks.push("resume");
  }
}

export class RecordingServer extends Server<RecordingChannel> {
  readonly connected: RecordingChannel[] = [];
  readonly disconnected: RecordingChannel[] = [];
  readonly errors: string[] = [];
  override onConnect(channel: RecordingChannel): void {
    this.connected.push(channel);
  }
  override onDisconnect(channel: RecordingChannel): void {
    this.disconnected.push(channel);
  }
  override onError(error: { code: string }): void {
    this.errors.push(error.code);
  }
}

/** Things to undo after each test, last first. */
export const cleanup: Array<() => unknown> = [];

export async function runCleanup(): Promise<void> {
  for (const fn of cleanup.splice(0).reverse()) await fn();
}

export async function startServer(options: ServerOptions<RecordingChannel> = {}): Promise<RecordingServer> {
  const server = new RecordingServer({ channelClass: RecordingChannel, port: 0, ...options });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

/** A listener pumped every 2 ms, reconnecting fast. */
export function listener(options: ClientOptions = {}): RecordingListener {
  const client = new RecordingListener({ reconnectMinDelayMs: 5, reconnectMaxDelayMs: 40, ...options }).loop(2);
  cleanup.push(() => {
    client.close();
    client.stop();
  });
  return client;
}

/** Breaks a client's connection the way a network does: no goodbye, the socket just dies. */
export function breakConnection(client: RecordingListener): void {
  client.connection.link.transport?.destroy();
}
