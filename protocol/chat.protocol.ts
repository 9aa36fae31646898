// protocol/chat.protocol.ts
/** A chat room. */

/** What a player presents to join: the name the others see (refused when empty or taken). */
export interface Auth {
  nickname: string;
}

/** Messages a client sends to the server. */
export interface ClientMessages {
  /**
   * Choose the name the others see. (A Python repod client's first `nickname` is its credential.)
   * @rateLimit 2/s burst 5
   */
  nickname: { nickname: string };
  /** @rateLimit 10/s burst 20 */
  message: { text: string };
}

/** Messages the server sends to clients. */
export interface ServerMessages {
  message: { text: string; nickname: string };
  system: { text: string };
  players: { list: string[] };
}
