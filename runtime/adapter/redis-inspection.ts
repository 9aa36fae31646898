/**
 * The cluster's inspection over the Redis adapter's pub/sub: a small
 * request and answer, asked only while an inspector's page watches (nothing
 * is written to Redis otherwise, unlike keys refreshed at every heartbeat).
 *
 * ```
 * <prefix>:inspect          a question to every server   {q: n, from, body}
 * <prefix>:inspect:<id>     a question to server <id>    {q: n, from, body}
 *                           and the answers it gets      {a: n, from, body}   (body null: no inspector there)
 * ```
 *
 * Redis's PUBLISH says how many servers received a question, so the asker
 * waits for exactly that many answers (its own copy aside), or until its
 * deadline when one stalls.
 */
import type { ClusterInspection, InspectionAnswer, InspectionAnswerer } from "./inspection.ts";

interface Pending {
  readonly answers: InspectionAnswer[];
  expected: number;
  readonly done: (answers: InspectionAnswer[] | Error) => void;
}

export class RedisInspection implements ClusterInspection {
  private serverId = "";
  private answerer: InspectionAnswerer | null = null;
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly everyone: string;
  private readonly everyoneBuffer: Buffer;
  private own: Buffer = Buffer.alloc(0);

  constructor(
    private readonly prefix: string,
    /** Publishes `message` on `topic`; resolves with how many subscribers got it. */
    private readonly publish: (topic: string, message: string) => Promise<number>,
  ) {
    this.everyone = `${prefix}:inspect`;
    this.everyoneBuffer = Buffer.from(this.everyone);
  }

  /** The adapter started for server `serverId`: the topics to subscribe to. */
  start(serverId: string): string[] {
    this.serverId = serverId;
    this.own = Buffer.from(this.topicOf(serverId));
    return [this.everyone, this.topicOf(serverId)];
  }

  /** The adapter stopped: questions in flight fail. */
  stop(): void {
    for (const pending of this.pending.values()) pending.done(new Error("the server stopped"));
    this.pending.clear();
  }

  serve(answerer: InspectionAnswerer | null): void {
    this.answerer = answerer;
  }

  async askAll(question: unknown, timeoutMs: number): Promise<InspectionAnswer[]> {
    const answers = await this.asked(this.everyone, question, timeoutMs, 1);
    return answers;
  }

  async ask(server: string, question: unknown, timeoutMs: number): Promise<unknown> {
    const answers = await this.asked(this.topicOf(server), question, timeoutMs, 0);
    if (answers.length === 0) throw new Error(`server ${server} did not answer within ${timeoutMs} ms`);
    return answers[0]!.answer;
  }

  /**
   * A message on one of the inspection's topics: handled (true), or not one
   * of them (false: the adapter's own).
   */
  receive(topic: Buffer, message: Buffer): boolean {
    const toAll = topic.equals(this.everyoneBuffer);
    if (!toAll && !topic.equals(this.own)) return false;
    let parsed: { q?: number; a?: number; from?: string; body?: unknown };
    try {
      parsed = JSON.parse(message.toString("utf8"));
    } catch {
      return true;
    }
    if (typeof parsed.from !== "string") return true;
    if (typeof parsed.q === "number") {
      if (parsed.from !== this.serverId) void this.answer(parsed.from, parsed.q, parsed.body);
    } else if (typeof parsed.a === "number" && !toAll) {
      const pending = this.pending.get(parsed.a);
      if (pending === undefined) return true;
      pending.answers.push({ server: parsed.from, answer: parsed.body ?? null });
      if (pending.answers.length >= pending.expected) pending.done(pending.answers);
    }
    return true;
  }

  private topicOf(serverId: string): string {
    return `${this.prefix}:inspect:${serverId}`;
  }

  /** Publishes a question and waits for the answers of those who got it (`self` of them being this server). */
  private asked(topic: string, question: unknown, timeoutMs: number, self: number): Promise<InspectionAnswer[]> {
    const n = ++this.next;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const pending: Pending = {
        answers: [],
        expected: Number.POSITIVE_INFINITY,
        done: (result) => {
          clearTimeout(timer);
          this.pending.delete(n);
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      this.pending.set(n, pending);
      timer = setTimeout(() => pending.done(pending.answers), timeoutMs);
      this.publish(topic, JSON.stringify({ q: n, from: this.serverId, body: question })).then(
        (receivers) => {
          if (!this.pending.has(n)) return;
          pending.expected = receivers - self;
          if (pending.answers.length >= pending.expected) pending.done(pending.answers);
        },
        (error: Error) => pending.done(error),
      );
    });
  }

  private async answer(to: string, n: number, question: unknown): Promise<void> {
    let body: unknown = null;
    try {
      body = this.answerer === null ? null : ((await this.answerer(question)) ?? null);
    } catch (error) {
      body = { refused: error instanceof Error ? error.message : String(error) };
    }
    await this.publish(this.topicOf(to), JSON.stringify({ a: n, from: this.serverId, body })).catch(() => {});
  }
}
