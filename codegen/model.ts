/**
 * The protocol model: plain, serialisable data that the parse stage builds
 * from a protocol file and every emitter reads. No ts-morph type appears here,
 * so a model can be written to JSON, compared in tests and fingerprinted.
 *
 * @example
 * ```ts
 * // protocol/chat.protocol.ts:  export interface ClientMessages { message: { text: string } }
 * const message: MessageModel = {
 *   action: "message",
 *   body: { kind: "object", fields: [{ name: "text", optional: false, readonly: false,
 *     type: { kind: "string" }, location: { file: "protocol/chat.protocol.ts", line: 3, column: 3 } }] },
 *   location: { file: "protocol/chat.protocol.ts", line: 3, column: 3 },
 * };
 * ```
 */

/** Where something was declared: a path relative to the working directory, 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `string`, `number`, `Int` (integer `number`), `boolean`, `null`, `Uint8Array` (msgpack bin). */
export interface PrimitiveType {
  readonly kind: "string" | "number" | "int" | "boolean" | "null" | "bytes";
}

/** A string, number or boolean literal: `"red"`, `3`, `true`. */
export interface LiteralType {
  readonly kind: "literal";
  readonly value: string | number | boolean;
}

/** `T[]`, `Array<T>`, `readonly T[]`, `ReadonlyArray<T>`. */
export interface ArrayType {
  readonly kind: "array";
  readonly element: FieldType;
  readonly readonly: boolean;
}

/** One element of a tuple; `label` is kept from `[x: number, y: number]`. */
export interface TupleElement {
  readonly type: FieldType;
  readonly label?: string;
}

/** A fixed-length tuple `[A, B]` (optional and rest elements are not supported). */
export interface TupleType {
  readonly kind: "tuple";
  readonly elements: readonly TupleElement[];
  readonly readonly: boolean;
}

/** One property of an object type. */
export interface FieldModel {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly readonly: boolean;
  readonly doc?: string;
  /** Its doc has a `@deprecated` tag: it may be removed in a later version (see `repod breaking`). */
  readonly deprecated?: true;
  readonly location: SourceLocation;
}

/** An object type: an inline `{ ... }` or the flattened fields of an interface. */
export interface ObjectType {
  readonly kind: "object";
  readonly fields: readonly FieldModel[];
}

/** `Record<string, T>`: a msgpack map with string keys and values of one type. */
export interface RecordType {
  readonly kind: "record";
  readonly value: FieldType;
}

/** `A | B | ...` (flattened: no member is itself a union). */
export interface UnionType {
  readonly kind: "union";
  readonly members: readonly FieldType[];
}

/** A reference to a named type of the same model (`ProtocolModel.types`), by its name in the generated file. */
export interface RefType {
  readonly kind: "ref";
  readonly name: string;
}

/** The type of a field, a tuple element, an array element, ... */
export type FieldType = PrimitiveType | LiteralType | ArrayType | TupleType | ObjectType | RecordType | UnionType | RefType;

/** An interface or type alias that the generated file declares (and exports). */
export interface NamedTypeModel {
  /** The name in the generated file (an imported type keeps the name it was imported under). */
  readonly name: string;
  /** `interface` declarations are emitted as interfaces (fields of `extends` flattened), aliases as `type`. */
  readonly declaration: "interface" | "alias";
  readonly type: FieldType;
  readonly doc?: string;
  readonly location: SourceLocation;
}

/** A rate limit from a message's `@rateLimit 5/s burst 10` tag: a token bucket. */
export interface RateLimitModel {
  /** Messages per second that refill the bucket. */
  readonly perSecond: number;
  /** The most the bucket holds: how many may come at once. */
  readonly burst: number;
  readonly location: SourceLocation;
}

/** One action a side may send. */
export interface MessageModel {
  readonly action: string;
  /** The message's fields: an object type, or a reference to a named object type. */
  readonly body: ObjectType | RefType;
  /** Its `@rateLimit` (client messages only). */
  readonly rateLimit?: RateLimitModel;
  readonly doc?: string;
  /** Its doc has a `@deprecated` tag: it may be removed in a later version (see `repod breaking`). */
  readonly deprecated?: true;
  readonly location: SourceLocation;
}

/**
 * One request a side may send and the reply it awaits, from a method
 * signature of `ClientRequests` / `ServerRequests`:
 * `join(data: { room: string }): { seat: Int }`.
 */
export interface RequestModel {
  readonly action: string;
  /** The request's fields (the method's parameter; `{}` when it has none). */
  readonly body: ObjectType | RefType;
  /** What the answer carries: any field type (the method's return type). */
  readonly reply: FieldType;
  readonly doc?: string;
  /** Its doc has a `@deprecated` tag: it may be removed in a later version (see `repod breaking`). */
  readonly deprecated?: true;
  readonly location: SourceLocation;
}

/** Everything the generator knows about one protocol file. */
export interface ProtocolModel {
  /** The file name without `.protocol.ts`: `lag_time`. */
  readonly name: string;
  /** The protocol file, relative to the working directory, with `/` separators. */
  readonly source: string;
  /** The file's leading JSDoc (a `/** ... *\/` at the top followed by a blank line). */
  readonly doc?: string;
  /**
   * Whether the file declares `ClientMessages`, `ServerMessages`,
   * `ClientRequests` or `ServerRequests`. A file with none is a types-only module (shared types for other protocol files): its
   * generated file holds its types and nothing else.
   */
  readonly hasMessages: boolean;
  /** Messages clients send to the server, in declaration order. */
  readonly client: readonly MessageModel[];
  /** Messages the server sends to clients, in declaration order. */
  readonly server: readonly MessageModel[];
  /** Requests clients send to the server (the server answers), in declaration order. */
  readonly clientRequests: readonly RequestModel[];
  /** Requests the server sends to clients (a client answers), in declaration order. */
  readonly serverRequests: readonly RequestModel[];
  /** Named types: those declared in the file (declaration order), then imported ones (order of first use). */
  readonly types: readonly NamedTypeModel[];
  /** What a client presents to join: the file's `Auth` type (an object type), when it declares one. */
  readonly auth?: { readonly type: RefType; readonly location: SourceLocation };
  /**
   * The game's own state of one player, which moves with the session to
   * another server: the file's `Session` type (an object type), when it
   * declares one. The server's business: not part of the fingerprint.
   */
  readonly session?: { readonly type: RefType; readonly location: SourceLocation };
}

/** Which side sends a message: `client` messages go to the server, `server` messages to clients. */
export type Direction = "client" | "server";
