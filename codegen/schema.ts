/**
 * The wire schema of a protocol model: what the runtime compares between two
 * versions of a protocol at the handshake (see `runtime/compat/`). It is the
 * model with everything that does not reach the wire left out — docs,
 * source locations, tuple labels, `readonly` — so the generated descriptor
 * stays small.
 *
 * @example
 * ```ts
 * schemaOf(model).client.move; // { kind: "object", fields: [{ name: "dir", type: { kind: "string" } }] }
 * ```
 */
import type { ProtocolSchema, SchemaRequest, SchemaType } from "repod/compat";
import { isSessionType } from "./fingerprint.ts";
import type { FieldType, MessageModel, ProtocolModel, RequestModel } from "./model.ts";

/** The schema of every message, request and named type of `model`, in declaration order. */
export function schemaOf(model: ProtocolModel): ProtocolSchema {
  const messages = (list: readonly MessageModel[]) => Object.fromEntries(list.map((m) => [m.action, schemaType(m.body)]));
  const requests = (list: readonly RequestModel[]): Record<string, SchemaRequest> =>
    Object.fromEntries(list.map((r) => [r.action, { data: schemaType(r.body), reply: schemaType(r.reply) }]));
  return {
    client: messages(model.client),
    server: messages(model.server),
    types: Object.fromEntries(model.types.filter((t) => !isSessionType(model, t.name)).map((t) => [t.name, schemaType(t.type)])),
    // Only when there are some: a protocol without requests keeps its descriptor as it was.
    ...(model.clientRequests.length > 0 ? { clientRequests: requests(model.clientRequests) } : {}),
    ...(model.serverRequests.length > 0 ? { serverRequests: requests(model.serverRequests) } : {}),
  };
}

/** One type, stripped to what the wire sees. */
export function schemaType(type: FieldType): SchemaType {
  switch (type.kind) {
    case "literal":
      return { kind: "literal", value: type.value };
    case "array":
      return { kind: "array", element: schemaType(type.element) };
    case "tuple":
      return { kind: "tuple", elements: type.elements.map((e) => ({ type: schemaType(e.type) })) };
    case "object":
      return {
        kind: "object",
        fields: type.fields.map((f) => ({ name: f.name, type: schemaType(f.type), ...(f.optional ? { optional: true } : {}) })),
      };
    case "record":
      return { kind: "record", value: schemaType(type.value) };
    case "union":
      return { kind: "union", members: type.members.map(schemaType) };
    case "ref":
      return { kind: "ref", name: type.name };
    default:
      return { kind: type.kind };
  }
}
