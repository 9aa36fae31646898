// protocol/chat.protocol.ts
/** A chat room. */

/** Messages a client sends to the server. */
export interface ClientMessages {
  /** Choose the name the others see. */
  nickname: { nickname: string };
  message: { text: string };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  message: { text: string; nickname: string };
  system: { text: string };
  players: { list: string[] };
}
