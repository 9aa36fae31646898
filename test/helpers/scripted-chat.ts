/** The chat example's client, driven by a test: it records every line it would print and pumps on a 10 ms loop. */
import { ChatClient } from "../../examples/chat/client.ts";
import { waitFor } from "./wait.ts";

export class ScriptedChat extends ChatClient {
  readonly lines: string[] = [];
  private readonly timer: NodeJS.Timeout;

  /** `cleanup` gets a function that stops the client (the test's afterEach runs it). */
  constructor(name: string, cleanup: Array<() => unknown>) {
    super(name, (line) => this.lines.push(line));
    this.timer = setInterval(() => this.pump(), 10);
    cleanup.push(() => this.stop());
  }

  stop(): void {
    this.close();
    clearInterval(this.timer);
  }

  /** Waits until the client has printed `line` (a string, or a pattern) `count` times. */
  async saw(line: string | RegExp, count = 1): Promise<void> {
    const ok = (l: string): boolean => (typeof line === "string" ? l === line : line.test(l));
    await waitFor(() => this.lines.filter(ok).length >= count, `${String(line)} in:\n${this.lines.join("\n")}`);
  }
}
