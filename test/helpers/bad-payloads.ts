/**
 * Payloads a peer may send that are not messages, with the code and the
 * words the server reports each with: one table for the TCP tests (each goes
 * in a frame) and the WebSocket tests (each is a binary message), so that
 * both transports are held to the same answers.
 */
import type { RepodError } from "../../runtime/index.ts";

export interface BadPayload {
  readonly name: string;
  readonly bytes: readonly number[];
  readonly code: RepodError["code"];
  readonly message: RegExp;
}

export const BAD_PAYLOADS: readonly BadPayload[] = [
  { name: "invalid msgpack", bytes: [0xc1], code: "DECODE_FAILED", message: /not valid msgpack/ },
  { name: "truncated msgpack", bytes: [0x82, 0xa6, 0x61], code: "DECODE_FAILED", message: /not valid msgpack/ },
  { name: "bytes after the value", bytes: [0xc0, 0xc0], code: "DECODE_FAILED", message: /not valid msgpack: Data read, but end of buffer not reached/ },
  { name: "an extension type (a timestamp)", bytes: [0xd6, 0xff, 0, 0, 0, 0], code: "DECODE_FAILED", message: /extension type -1 is not a value repod sends/ },
  { name: "a payload that is not a map", bytes: [0x93, 1, 2, 3], code: "NOT_A_MESSAGE", message: /got an array/ },
  { name: "a map without action", bytes: [0x81, 0xa1, 0x78, 0x01], code: "NOT_A_MESSAGE", message: /without "action"/ },
  {
    name: "an action that is not a string",
    bytes: [0x81, 0xa6, ...Buffer.from("action"), 0x07],
    code: "NOT_A_MESSAGE",
    message: /"action" to be a string, got a number/,
  },
];
