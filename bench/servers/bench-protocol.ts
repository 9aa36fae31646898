/**
 * The bench protocol's descriptor, written by hand in the shape `repod
 * generate` emits for protocol/bench.protocol.ts (message types, one
 * straight-line validator per message), so that the validation cost is
 * measured before the generator is in place. Replace with
 * `generated/bench.ts` once it is generated.
 */
import { describeValue, type ProtocolDescriptor } from "repod";

export interface PingMessage { action: "ping"; seq: number }
export interface MoveMessage { action: "move"; x: number; y: number; tick: number }
export interface DoneMessage { action: "done"; sent: number }
export interface FanoutMessage { action: "fanout"; count: number }
export type BenchClientMessage = PingMessage | MoveMessage | DoneMessage | FanoutMessage;

export interface PongMessage { action: "pong"; seq: number }
export interface CountedMessage { action: "counted"; n: number }
export interface TickMessage { action: "tick"; n: number }
export type BenchServerMessage = PongMessage | CountedMessage | TickMessage;

function expected(field: string, type: string, value: unknown): string {
  return `${field}: expected ${type}, got ${describeValue(value)}`;
}

function validateClientPing(data: Record<string, unknown>): string | undefined {
  if (typeof data.seq !== "number") return expected("seq", "number", data.seq);
  return undefined;
}

function validateClientMove(data: Record<string, unknown>): string | undefined {
  if (typeof data.x !== "number") return expected("x", "number", data.x);
  if (typeof data.y !== "number") return expected("y", "number", data.y);
  if (typeof data.tick !== "number") return expected("tick", "number", data.tick);
  return undefined;
}

function validateClientDone(data: Record<string, unknown>): string | undefined {
  if (typeof data.sent !== "number") return expected("sent", "number", data.sent);
  return undefined;
}

function validateClientFanout(data: Record<string, unknown>): string | undefined {
  if (typeof data.count !== "number") return expected("count", "number", data.count);
  return undefined;
}

function validateServerSeq(data: Record<string, unknown>): string | undefined {
  if (typeof data.seq !== "number") return expected("seq", "number", data.seq);
  return undefined;
}

function validateServerN(data: Record<string, unknown>): string | undefined {
  if (typeof data.n !== "number") return expected("n", "number", data.n);
  return undefined;
}

export const benchProtocol: ProtocolDescriptor = {
  name: "bench",
  fingerprint: "hand-written",
  client: { ping: validateClientPing, move: validateClientMove, done: validateClientDone, fanout: validateClientFanout },
  server: { pong: validateServerSeq, counted: validateServerN, tick: validateServerN },
};
