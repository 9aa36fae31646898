import type { Shared as ClashServer } from "./support/shared.protocol.ts";

export interface ClashChannel {
  x: number;
}

export type clashProtocol = string;

export interface Record {
  key: string;
}

export interface ServerMessages {
  a: { b: ClashServer };
}
