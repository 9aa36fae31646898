/** A small game, version 1: the first release. Versions 2 and 3 change it (see test/compat/). */

import type { Int } from "repod";

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Enter the game under a name. */
  join: { name: string };
  move: { dir: "up" | "down" | "left" | "right" };
  chat: { text: string };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  welcome: { id: string; players: string[] };
  moved: { name: string; x: Int; y: Int };
  said: { name: string; text: string };
}
