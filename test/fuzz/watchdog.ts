/**
 * The well-behaved client of a fuzz run: an ordinary ConnectionListener,
 * pumped like a game loop, that keeps a window of numbered echoes in flight
 * and checks that every one comes back exactly once and in order while the
 * server is under attack. It also notices when the server stops answering.
 */
import { type AnyMessage, ConnectionListener, type ErrorEvent } from "../../runtime/index.ts";

/** Echoes in flight at once. */
const WINDOW = 8;

export class Watchdog extends ConnectionListener {
  sent = 0;
  /** Echoes that came back exactly once (in order or not). */
  back = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** Times the server left echoes unanswered for longer than `stallMs`. */
  stalls = 0;
  disconnected = false;
  readonly errors: string[] = [];
  private next = 0;
  private seen = new Uint8Array(1024);
  private sending = false;
  private ready = false;
  private lastProgress = performance.now();
  private stalled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stallMs: number) {
    super();
  }

  get outstanding(): number {
    return this.sent - this.back;
  }

  /** Starts the game loop (pump every 2 ms) and sending. */
  start(): void {
    this.sending = true;
    this.timer = setInterval(() => this.frame(), 2);
  }

  /** Stops sending new echoes; the loop goes on so outstanding ones can come back. */
  stopSending(): void {
    this.sending = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.close();
  }

  Network_connected(): void {
    this.ready = true;
    this.lastProgress = performance.now();
  }

  Network_echo(data: AnyMessage): void {
    const seq = data.seq;
    if (typeof seq !== "number" || seq >= this.sent) {
      this.errors.push(`an echo this client never sent: ${JSON.stringify(data).slice(0, 100)}`);
      return;
    }
    if (this.seen[seq]) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    this.back++;
    if (seq !== this.next) this.outOfOrder++;
    this.next = seq + 1;
    this.lastProgress = performance.now();
    this.stalled = false;
  }

  Network_error(data: ErrorEvent): void {
    this.errors.push(`${data.code}: ${data.message}`);
  }

  Network_disconnected(): void {
    this.disconnected = true;
    this.ready = false;
  }

  private frame(): void {
    this.pump();
    if (!this.ready) return;
    while (this.sending && this.outstanding < WINDOW) {
      if (this.sent === this.seen.length) {
        const grown = new Uint8Array(this.seen.length * 2);
        grown.set(this.seen);
        this.seen = grown;
      }
      this.send({ action: "echo", seq: this.sent++, text: "still there?" });
    }
    if (this.outstanding > 0 && !this.stalled && performance.now() - this.lastProgress > this.stallMs) {
      this.stalled = true;
      this.stalls++;
    }
  }
}
