/**
 * How the inspector of one server reaches the other servers of its cluster:
 * a question to all of them (their channels) or to one (close this channel,
 * put it in a group), and each server's answer. An adapter that links
 * processes offers it (the Redis adapter does, over its pub/sub); the local
 * adapter has none, and the inspector then shows its own server only.
 *
 * Questions and answers are JSON values; what they say is the inspector's
 * business (see `inspector/inspector.ts`).
 */

/** What a server answers the cluster's inspectors with; undefined or null: it has no inspector. */
export type InspectionAnswerer = (question: unknown) => unknown;

/** One server's answer to a question asked of all. */
export interface InspectionAnswer {
  readonly server: string;
  /** Its answer; null when the server has no inspector to answer. */
  readonly answer: unknown;
}

export interface ClusterInspection {
  /** Sets what this server answers questions with; null: it answers that it has no inspector. */
  serve(answerer: InspectionAnswerer | null): void;
  /**
   * Asks every other server; resolves with the answers of those that
   * answered within `timeoutMs` (every server listening, when all did).
   */
  askAll(question: unknown, timeoutMs: number): Promise<InspectionAnswer[]>;
  /** Asks one server; rejects when it is not listening or does not answer within `timeoutMs`. */
  ask(server: string, question: unknown, timeoutMs: number): Promise<unknown>;
}
