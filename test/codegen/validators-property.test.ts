/**
 * Property tests of the generated validators against the model they come
 * from: every value the protocol allows is accepted, also after a msgpack
 * round trip through the runtime's codec; a missing required field is
 * refused with an error naming it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePayload, encodePayload } from "repod";
import type { FieldType, NamedTypeModel } from "../../codegen/model.ts";
import { objectOf } from "../../codegen/parse/checks.ts";
import { parseProtocols } from "../../codegen/parse/index.ts";
import { kitchenSinkProtocol } from "../../generated/kitchen_sink.ts";

const model = parseProtocols(["protocol/kitchen_sink.protocol.ts"]).protocols[0];
const types: ReadonlyMap<string, NamedTypeModel> = new Map(model.types.map((t) => [t.name, t]));

/** Values of `type`; recursion stops at `depth` with empty arrays and maps. */
function valueOf(type: FieldType, depth: number): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case "string":
      return fc.string();
    case "number":
      return fc.double();
    case "int":
      return fc.integer();
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "bytes":
      return fc.uint8Array({ maxLength: 8 });
    case "literal":
      return fc.constant(type.value);
    case "array":
      return depth <= 0 ? fc.constant([]) : fc.array(valueOf(type.element, depth - 1), { maxLength: 3 });
    case "tuple":
      return fc.tuple(...type.elements.map((e) => valueOf(e.type, depth)));
    case "record":
      return depth <= 0
        ? fc.constant({})
        : fc.dictionary(fc.string().filter((k) => k !== "__proto__"), valueOf(type.value, depth - 1), { maxKeys: 3 });
    case "object":
      return fc.record(
        Object.fromEntries(type.fields.map((f) => [f.name, valueOf(f.type, depth)])),
        { requiredKeys: type.fields.filter((f) => !f.optional).map((f) => f.name) },
      );
    case "union":
      return fc.oneof(...type.members.map((m) => valueOf(m, depth)));
    case "ref": {
      const target = types.get(type.name);
      if (target === undefined) throw new Error(`no type ${type.name}`);
      return valueOf(target.type, depth - 1);
    }
  }
}

const directions = [
  ["client", model.client, kitchenSinkProtocol.client],
  ["server", model.server, kitchenSinkProtocol.server],
] as const;

describe.each(directions)("kitchen sink %s validators (property)", (_direction, messages, validators) => {
  it.each(messages.map((m) => [m.action, m] as const))("%s accepts every value of its type, before and after msgpack", (action, message) => {
    const validate = validators[action];
    fc.assert(
      fc.property(valueOf(message.body, 4), (fields) => {
        const data = { action, ...(fields as Record<string, unknown>) };
        expect(validate(data)).toBeUndefined();
        expect(validate(decodePayload(encodePayload(data)) as Record<string, unknown>)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it.each(messages.map((m) => [m.action, m] as const))("%s refuses a missing required field, naming it", (action, message) => {
    const body = objectOf(message.body, types, new Set());
    const required = body?.fields.filter((f) => !f.optional) ?? [];
    fc.assert(
      fc.property(valueOf(message.body, 2), (fields) => {
        for (const field of required) {
          const data: Record<string, unknown> = { action, ...(fields as Record<string, unknown>) };
          delete data[field.name];
          expect(validators[action](data)).toMatch(new RegExp(`^${field.name}: expected .*, got nothing$`));
        }
      }),
      { numRuns: 20 },
    );
  });
});
