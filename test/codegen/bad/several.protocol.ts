/** Several problems of different kinds in one file: every one is reported in one run. */
import type { Int } from "repod";

export enum Mode {
  A,
}

export interface ClientMessages {
  connected: {};
  move: { x: any; y: Int; mode: Mode };
  "bad name": {};
  chat: { action: string; text: string };
}

export interface ServerMessages {
  state: { when: Date; where: { [k: string]: number } };
}
