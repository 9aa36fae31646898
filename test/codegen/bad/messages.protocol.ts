import type { HasAction } from "./support/shared.protocol.ts";

type NotAnObject = { x: number } | null;

export interface ClientMessages {
  maybe?: { x: number };
  text: string;
  union: NotAnObject;
  twice: {};
  twice: { again: string };
  method(): void;
  withAction: { action: "x"; value: number };
  inherited: HasAction;
}

export type ServerMessages = string;
