/**
 * What a server and a client of two versions of one protocol can say to
 * each other. The server runs it once per connection, and only for a client
 * whose fingerprint differs from its own (a client of the same version costs
 * nothing): messages known to both must be readable both ways, messages
 * known to one side only are never sent to the other.
 *
 * @example
 * ```ts
 * const agreement = agree(gameProtocol.schema!, helloFromOldClient.schema);
 * if (typeof agreement === "string") refuse(agreement); // `"move".dir: the server reads "a" | "b", the client sends string [FIELD_RETYPED]`
 * else agreement.clientReads; // the server messages the old client knows
 * ```
 */
import { type ReadProblem, readProblems } from "./rules.ts";
import type { ProtocolSchema } from "./schema.ts";

/** Both sides' shares of a conversation between two compatible versions. */
export interface Agreement {
  /** Client messages both know: the client may send them, the server reads them. */
  readonly serverReads: readonly string[];
  /** Server messages both know: the server may send them, the client reads them. */
  readonly clientReads: readonly string[];
}

/**
 * Judges a client's schema against the server's. Returns what both can
 * send, or one line naming the message and field that break (the first
 * problem, by action name).
 */
export function agree(server: ProtocolSchema, client: ProtocolSchema): Agreement | string {
  try {
    const serverReads: string[] = [];
    const clientReads: string[] = [];
    for (const action of Object.keys(client.client).sort()) {
      const reader = own(server.client, action);
      if (reader === undefined) continue;
      const problems = readProblems(client.client[action]!, client.types, reader, server.types);
      if (problems.length > 0) return describe(action, "client", problems[0]!);
      serverReads.push(action);
    }
    for (const action of Object.keys(server.server).sort()) {
      const reader = own(client.server, action);
      if (reader === undefined) continue;
      const problems = readProblems(server.server[action]!, server.types, reader, client.types);
      if (problems.length > 0) return describe(action, "server", problems[0]!);
      clientReads.push(action);
    }
    return { serverReads, clientReads };
  } catch (error) {
    // The schema came over the network: anything malformed is the client's problem, never the server's.
    return `the client's protocol schema is malformed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Whether a value decoded from the network has the outline of a {@link ProtocolSchema}. */
export function isSchema(value: unknown): value is ProtocolSchema {
  if (value === null || typeof value !== "object") return false;
  const { client, server, types } = value as Record<string, unknown>;
  return [client, server, types].every((part) => part !== null && typeof part === "object" && !Array.isArray(part));
}

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `"move".dir: the server reads "a" | "b", the client sends string [FIELD_RETYPED]`. */
export function describe(action: string, sender: "client" | "server", problem: ReadProblem): string {
  const reader = sender === "client" ? "server" : "client";
  const where = problem.path === "" ? JSON.stringify(action) : `${JSON.stringify(action)}.${problem.path}`;
  return `${where}: the ${reader} reads ${problem.reads}, the ${sender} sends ${problem.writes} [${problem.rule}]`;
}
