/**
 * What a server and a client of two versions of one protocol can say to
 * each other. The server runs it once per connection, and only for a client
 * whose fingerprint differs from its own (a client of the same version costs
 * nothing): messages known to both must be readable both ways, messages
 * known to one side only are never sent to the other. Requests the same:
 * their fields read by the side that answers, their reply by the side that
 * asks; a request one side does not know is never asked of it.
 *
 * @example
 * ```ts
 * const agreement = agree(gameProtocol.schema!, helloFromOldClient.schema);
 * if (typeof agreement === "string") refuse(agreement); // `"move".dir: the server reads "a" | "b", the client sends string [FIELD_RETYPED]`
 * else agreement.clientReads; // the server messages the old client knows
 * ```
 */
import { type ReadProblem, readProblems } from "./rules.ts";
import type { ProtocolSchema, SchemaRequest, SchemaType } from "./schema.ts";

/** Both sides' shares of a conversation between two compatible versions. */
export interface Agreement {
  /** Client messages and requests both know: the client may send (ask) them, the server reads (answers) them. */
  readonly serverReads: readonly string[];
  /** Server messages and requests both know: the server may send (ask) them, the client reads (answers) them. */
  readonly clientReads: readonly string[];
}

type Types = ProtocolSchema["types"];

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
    // Requests: the asker writes the fields, the answerer the reply.
    const askedByClient = requests(client.clientRequests, client.types, server.clientRequests, server.types, "client", serverReads);
    if (askedByClient !== undefined) return askedByClient;
    const askedByServer = requests(server.serverRequests, server.types, client.serverRequests, client.types, "server", clientReads);
    if (askedByServer !== undefined) return askedByServer;
    return { serverReads, clientReads };
  } catch (error) {
    // The schema came over the network: anything malformed is the client's problem, never the server's.
    return `the client's protocol schema is malformed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Whether a value decoded from the network has the outline of a {@link ProtocolSchema}. */
export function isSchema(value: unknown): value is ProtocolSchema {
  if (value === null || typeof value !== "object") return false;
  const { client, server, types, clientRequests, serverRequests } = value as Record<string, unknown>;
  const isRecord = (part: unknown): boolean => part !== null && typeof part === "object" && !Array.isArray(part);
  return [client, server, types].every(isRecord) && [clientRequests, serverRequests].every((part) => part === undefined || isRecord(part));
}

/**
 * One direction's requests, `asker`'s against `answerer`'s: adds those both
 * know to `both`, or returns the first problem (by action).
 */
function requests(
  asker: Readonly<Record<string, SchemaRequest>> | undefined,
  askerTypes: Types,
  answerer: Readonly<Record<string, SchemaRequest>> | undefined,
  answererTypes: Types,
  asks: "client" | "server",
  both: string[],
): string | undefined {
  if (asker === undefined || answerer === undefined) return undefined;
  const answers = asks === "client" ? "server" : "client";
  for (const action of Object.keys(asker).sort()) {
    const theirs = own(answerer, action);
    if (theirs === undefined) continue;
    const ours = asker[action]!;
    const data = readProblems(field(ours, "data"), askerTypes, field(theirs, "data"), answererTypes);
    if (data.length > 0) return describe(action, asks, data[0]!, "request ");
    const reply = readProblems(field(theirs, "reply"), answererTypes, field(ours, "reply"), askerTypes);
    if (reply.length > 0) return describe(action, answers, reply[0]!, "the reply to ");
    both.push(action);
  }
  return undefined;
}

/** A request's part, checked: the schema came over the network. */
function field(request: SchemaRequest, part: "data" | "reply"): SchemaType {
  const type = request !== null && typeof request === "object" ? request[part] : undefined;
  if (type === null || typeof type !== "object") throw new Error(`a request without its ${part}`);
  return type;
}

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `"move".dir: the server reads "a" | "b", the client sends string [FIELD_RETYPED]` (`request "seat".table: …`, `the reply to "seat".row: …`). */
export function describe(action: string, sender: "client" | "server", problem: ReadProblem, what = ""): string {
  const reader = sender === "client" ? "server" : "client";
  const where = problem.path === "" ? JSON.stringify(action) : `${JSON.stringify(action)}.${problem.path}`;
  return `${what}${where}: the ${reader} reads ${problem.reads}, the ${sender} sends ${problem.writes} [${problem.rule}]`;
}
