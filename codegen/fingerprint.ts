/**
 * The protocol fingerprint: the first 16 hex digits of the SHA-256 of the
 * model's canonical JSON. Only what changes the wire counts: docs, source
 * locations, tuple labels, `readonly`, declaration kinds and the order of
 * messages, fields, named types and union members do not. Peers compare
 * fingerprints to refuse a mismatched protocol.
 *
 * @example
 * ```ts
 * fingerprint(model); // "9c1f0e2ab47d3e55"
 * ```
 */
import { createHash } from "node:crypto";
import type { FieldType, MessageModel, ProtocolModel, RequestModel } from "./model.ts";

/** Hex digits kept from the SHA-256. */
const FINGERPRINT_LENGTH = 16;

/** Computes the fingerprint of a protocol model. */
export function fingerprint(model: ProtocolModel): string {
  const json = canonicalJson(canonicalModel(model));
  return createHash("sha256").update(json).digest("hex").slice(0, FINGERPRINT_LENGTH);
}

/** The wire-relevant content of a model, as plain data. */
export function canonicalModel(model: ProtocolModel): unknown {
  const messages = (list: readonly MessageModel[]) => Object.fromEntries(list.map((m) => [m.action, canonicalType(m.body)]));
  const requests = (list: readonly RequestModel[]) =>
    Object.fromEntries(list.map((r) => [r.action, { data: canonicalType(r.body), reply: canonicalType(r.reply) }]));
  // Present only when the protocol has requests, so the fingerprints of protocols without them stay as they were.
  const asks =
    model.clientRequests.length + model.serverRequests.length === 0
      ? {}
      : { requests: { client: requests(model.clientRequests), server: requests(model.serverRequests) } };
  return {
    name: model.name,
    client: messages(model.client),
    server: messages(model.server),
    ...asks,
    // `Session` is the server's own state, never on the wire: changing it changes no peer's protocol.
    types: Object.fromEntries(model.types.filter((t) => !isSessionType(model, t.name)).map((t) => [t.name, canonicalType(t.type)])),
  };
}

/** True for the protocol's `Session` declaration (server state, not wire). */
export function isSessionType(model: ProtocolModel, name: string): boolean {
  return model.session !== undefined && name === model.session.type.name;
}

/** A key equal for two types exactly when they accept the same values the same way (docs and locations aside). */
export function typeKey(type: FieldType): string {
  return canonicalJson(canonicalType(type));
}

function canonicalType(type: FieldType): unknown {
  switch (type.kind) {
    case "literal":
      return { literal: type.value };
    case "array":
      return { array: canonicalType(type.element) };
    case "tuple":
      return { tuple: type.elements.map((e) => canonicalType(e.type)) };
    case "object":
      return {
        object: Object.fromEntries(type.fields.map((f) => [f.name, { optional: f.optional, type: canonicalType(f.type) }])),
      };
    case "record":
      return { record: canonicalType(type.value) };
    case "union": {
      // `"a" | "b"` and `"b" | "a"` accept the same values.
      const members = type.members.map((m) => canonicalJson(canonicalType(m))).sort();
      return { union: members.map((m) => JSON.parse(m) as unknown) };
    }
    case "ref":
      return { ref: type.name };
    default:
      return type.kind;
  }
}

/** JSON with object keys sorted at every level, so equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
