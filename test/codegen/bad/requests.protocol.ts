import type { Int } from "repod";

type NotAnObject = string | null;

interface WithId {
  _rid: Int;
}

export interface ClientMessages {
  move: { x: number };
}

export interface ClientRequests {
  move(data: { x: number }): null;
  join: { room: string };
  noReply(data: { room: string });
  nothing(): void;
  later(): Promise<Int>;
  two(a: { x: number }, b: { y: number }): null;
  maybe?(data: { x: number }): null;
  optionalData(data?: { x: number }): null;
  scalar(data: string): null;
  alias(data: NotAnObject): null;
  withAction(data: { action: string }): null;
  withId(data: { _rid: Int }): null;
  namedId(data: WithId): null;
  generic<T>(data: { x: number }): null;
  connected(): null;
  twice(): null;
  twice(): Int;
  badReply(data: { x: number }): Date;
}

export type ServerRequests = string;
