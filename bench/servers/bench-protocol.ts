/**
 * The bench protocol (protocol/bench.protocol.ts) in the shape `repod
 * generate` writes it — message types, one straight-line validator per
 * message, the descriptor, an abstract `BenchChannel` and `BenchServer` —
 * written by hand until the generator is on this branch. Then
 * `npm run generate` writes generated/bench.ts and the bench server imports
 * that instead; nothing else changes.
 */
import { Channel, Server, describeValue, type Int, type ProtocolDescriptor } from "repod";

/** The messages a client sends to the server, by action. */
export interface BenchClientMessages {
  ping: { action: "ping"; seq: Int };
  move: { action: "move"; x: number; y: number; tick: Int };
  done: { action: "done"; sent: Int };
  fanout: { action: "fanout"; count: Int };
}

export type BenchClientMessage = BenchClientMessages[keyof BenchClientMessages];

/** The messages the server sends to clients, by action. */
export interface BenchServerMessages {
  pong: { action: "pong"; seq: Int };
  counted: { action: "counted"; n: Int };
  tick: { action: "tick"; n: Int };
}

export type BenchServerMessage = BenchServerMessages[keyof BenchServerMessages];

function validateClientPing(data: Record<string, unknown>): string | undefined {
  const v1 = data["seq"];
  if (!Number.isInteger(v1)) return `seq: expected integer, got ${describeValue(v1)}`;
  return undefined;
}

function validateClientMove(data: Record<string, unknown>): string | undefined {
  const v1 = data["x"];
  if (typeof v1 !== "number") return `x: expected number, got ${describeValue(v1)}`;
  const v2 = data["y"];
  if (typeof v2 !== "number") return `y: expected number, got ${describeValue(v2)}`;
  const v3 = data["tick"];
  if (!Number.isInteger(v3)) return `tick: expected integer, got ${describeValue(v3)}`;
  return undefined;
}

function validateClientDone(data: Record<string, unknown>): string | undefined {
  const v1 = data["sent"];
  if (!Number.isInteger(v1)) return `sent: expected integer, got ${describeValue(v1)}`;
  return undefined;
}

function validateClientFanout(data: Record<string, unknown>): string | undefined {
  const v1 = data["count"];
  if (!Number.isInteger(v1)) return `count: expected integer, got ${describeValue(v1)}`;
  return undefined;
}

function validateServerPong(data: Record<string, unknown>): string | undefined {
  const v1 = data["seq"];
  if (!Number.isInteger(v1)) return `seq: expected integer, got ${describeValue(v1)}`;
  return undefined;
}

function validateServerN(data: Record<string, unknown>): string | undefined {
  const v1 = data["n"];
  if (!Number.isInteger(v1)) return `n: expected integer, got ${describeValue(v1)}`;
  return undefined;
}

export const benchProtocol: ProtocolDescriptor = {
  name: "bench",
  fingerprint: "hand-written",
  client: { ping: validateClientPing, move: validateClientMove, done: validateClientDone, fanout: validateClientFanout },
  server: { pong: validateServerPong, counted: validateServerN, tick: validateServerN },
};

export abstract class BenchChannel extends Channel<BenchServerMessage, BenchClientMessage> {
  static override readonly protocol: ProtocolDescriptor = benchProtocol;
  abstract Network_ping(data: BenchClientMessages["ping"]): void | Promise<void>;
  abstract Network_move(data: BenchClientMessages["move"]): void | Promise<void>;
  abstract Network_done(data: BenchClientMessages["done"]): void | Promise<void>;
  abstract Network_fanout(data: BenchClientMessages["fanout"]): void | Promise<void>;
}

export class BenchServer<C extends BenchChannel = BenchChannel> extends Server<C> {}
