/**
 * The schema of a protocol as the runtime carries it: what each message
 * looks like on the wire, and nothing else (no docs, no source locations).
 * `repod generate` writes it into the protocol descriptor; a client whose
 * protocol differs from the server's sends it in the handshake, and the
 * server judges, message by message, what both sides can read.
 *
 * The shapes are those of the generator's model (`codegen/model.ts`) minus
 * what does not reach the wire, so the generator can hand its model to the
 * same rules (`repod breaking`).
 *
 * @example
 * ```ts
 * const schema: ProtocolSchema = {
 *   client: { move: { kind: "object", fields: [{ name: "dir", type: { kind: "string" } }] } },
 *   server: {},
 *   types: {},
 * };
 * ```
 *
 * The generator reads it from `repod/compat` (see index.ts): one copy for both.
 */

/** One field of an object type; `optional` is absent when false. */
export interface SchemaField {
  readonly name: string;
  readonly type: SchemaType;
  readonly optional?: boolean;
}

/** The type of a field, an element, a message body. */
export type SchemaType =
  | { readonly kind: "string" | "number" | "int" | "boolean" | "null" | "bytes" }
  | { readonly kind: "literal"; readonly value: string | number | boolean }
  | { readonly kind: "array"; readonly element: SchemaType }
  | { readonly kind: "tuple"; readonly elements: readonly { readonly type: SchemaType }[] }
  | { readonly kind: "object"; readonly fields: readonly SchemaField[] }
  | { readonly kind: "record"; readonly value: SchemaType }
  | { readonly kind: "union"; readonly members: readonly SchemaType[] }
  | { readonly kind: "ref"; readonly name: string };

/** A request: its fields, written by the side that asks, and its reply, written by the side that answers. */
export interface SchemaRequest {
  readonly data: SchemaType;
  readonly reply: SchemaType;
}

/** Every message and request of both directions, by action, and the named types they refer to. */
export interface ProtocolSchema {
  /** Messages clients send (the server reads them). */
  readonly client: Readonly<Record<string, SchemaType>>;
  /** Messages the server sends (clients read them). */
  readonly server: Readonly<Record<string, SchemaType>>;
  /** Named types, by the name `ref` uses. */
  readonly types: Readonly<Record<string, SchemaType>>;
  /** Requests clients send (the server answers), by action; absent when there are none. */
  readonly clientRequests?: Readonly<Record<string, SchemaRequest>>;
  /** Requests the server sends (clients answer), by action; absent when there are none. */
  readonly serverRequests?: Readonly<Record<string, SchemaRequest>>;
}
