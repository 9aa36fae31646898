/** A small game, version 2: compatible with version 1 (an optional field, a message and a request each way, `chat` retired). */

import type { Int } from "repod";

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Enter the game under a name, in a colour of one's choice. */
  join: {
    name: string;
    /** New in version 2: clients of version 1 leave it out. */
    color?: string;
  };
  move: { dir: "up" | "down" | "left" | "right" };
  /**
   * @deprecated Use `emote`: chat goes away in version 3.
   */
  chat: { text: string };
  /** New in version 2. */
  emote: { name: "wave" | "laugh" };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  moved: { name: string; x: Int; y: Int };
  welcome: { id: string; players: string[] };
  said: { name: string; text: string };
  /** New in version 2: never sent to a client of version 1. */
  emoted: { name: string; emote: string };
}

/** Requests a client sends to the server. New in version 2: a client of version 1 never asks them. */
export interface ClientRequests {
  /** Sit at a table; the answer is the seat. */
  seat(data: { table: string }): { seat: Int };
}

/** Requests the server sends to clients. New in version 2: never asked of a client of version 1. */
export interface ServerRequests {
  ready(): boolean;
}
