export type Auth = string;

export interface ClientMessages {
  /** @rateLimit fast */
  move: { x: number };
  /** @rateLimit 0/s */
  jump: {};
}

export interface ServerMessages {
  /** @rateLimit 5/s */
  moved: { x: number };
}
