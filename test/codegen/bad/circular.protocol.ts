/** Recursion through structure is fine; an alias that is only itself is not. */

export type A = B | null;
export type B = A | string;

export interface Node {
  children: Node[];
}

export type Json = string | Json[];

export interface ServerMessages {
  tree: { root: Node; a: A; json: Json };
}
