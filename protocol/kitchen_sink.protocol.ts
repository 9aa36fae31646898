/**
 * Every field type a protocol file supports, in one place: the generator's
 * test bed (its generated file is type-checked and its validators are tested).
 */

import type { Int } from "repod";
import type { Rect as Area, Direction, Vec2 } from "./geometry.protocol.ts";

/** A side in the game. */
export type Team = "red" | "blue";

/** Anything with an id. */
export interface Entity {
  /** Unique on this server. */
  readonly id: Int;
}

/** A player as the server describes it. */
export interface Player extends Entity {
  name: string;
  team: Team;
  pos: Vec2;
  /** Absent until the player uploads one. */
  avatar?: Uint8Array;
  /** `null` before the first round ends. */
  score: Int | null;
}

/** A monster: fields of `Entity` plus its own. */
export interface Monster extends Entity {
  hp: Int;
  tags: readonly string[];
}

/** A thread of replies: a recursive interface. */
export interface Thread {
  text: string;
  replies: Thread[];
}

/** Shapes told apart by their `kind`. */
export type Shape = { kind: "circle"; center: Vec2; radius: number } | { kind: "rect"; area: Area };

/** A JSON-like value: a recursive union. */
export type Json = string | number | boolean | null | Json[] | Record<string, Json>;

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Join the game with a name and, optionally, a team. */
  join: { name: string; team?: Team };
  /** One step. */
  move: { dir: Direction; run: boolean; at: [x: number, y: number] };
  say: {
    text: string;
    /** A player's name for a whisper; `null` speaks to everyone. */
    to: string | null;
  };
  draw: { shape: Shape };
  upload: { name: string; data: Uint8Array; chunks: Array<Uint8Array> };
  settings: { values: Record<string, number | string | boolean>; flags?: Record<string, boolean> };
  /** A message without fields. */
  ping: {};
  post: { thread: Thread };
  vote: { option: 1 | 2 | 3; level: -1 | 0 | 1; sure: true };
  select: { ids: readonly Int[]; grid: number[][]; pairs: ReadonlyArray<readonly [string, Int]> };
  /** Fields given by a named type. */
  teleport: Vec2;
  store: { key: string; value: Json };
  mixed: { either: string | string[] | Vec2 | null; pair: [string, Int] | Int };
  aim: { at: Vec2 | Area };
  nested: { outer: { inner: { deep: string; list?: { k: "a" | "b" }[] } } };
  /** Field names that are also names of Object.prototype members. */
  odd: { constructor?: string; valueOf: Int };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  welcome: { you: Player; players: Player[]; board: Area; monsters: Monster[] };
  state: { tick: Int; positions: Record<string, Vec2>; shapes: Shape[] };
  kicked: { reason: "spam" | "cheat" | "idle"; minutes?: Int | null };
  ack: {};
}

/** Requests a client sends to the server; the server answers each. */
export interface ClientRequests {
  /** Take a seat at a table; the reply says which, and who is there. */
  sit(data: { table: string; team?: Team }): { seat: Int; players: Player[] };
  /** A request without fields, answered with a bare integer. */
  time(): Int;
  /** Fields given by a named type, answered with a union. */
  locate(data: Vec2): Shape | null;
}

/** Requests the server sends to a client; the client answers each. */
export interface ServerRequests {
  /** Ask the player a yes-or-no question. */
  confirm(data: { question: string }): boolean;
}
