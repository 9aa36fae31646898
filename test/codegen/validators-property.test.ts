/**
 * Property tests of the generated validators against the model they come
 * from: every value the protocol allows is accepted, also after a msgpack
 * round trip through the runtime's codec; a missing required field is
 * refused with an error naming it.
 */
import fc from "fast-check";
import { decodePayload, encodePayload } from "repod";
import { describe, expect, it } from "vitest";
import { objectOf } from "../../codegen/parse/checks.ts";
import { kitchenSinkProtocol } from "../../generated/kitchen_sink.ts";
import { protocolValues } from "../helpers/protocol-values.ts";

const { model, types, valuesOf } = protocolValues("protocol/kitchen_sink.protocol.ts");

const directions = [
  ["client", model.client, kitchenSinkProtocol.client],
  ["server", model.server, kitchenSinkProtocol.server],
] as const;

describe.each(directions)("kitchen sink %s validators (property)", (_direction, messages, validators) => {
  it.each(messages.map((m) => [m.action, m] as const))("%s accepts every value of its type, before and after msgpack", (action, message) => {
    const validate = validators[action];
    fc.assert(
      fc.property(valuesOf(message.body, 4), (fields) => {
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
      fc.property(valuesOf(message.body, 2), (fields) => {
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
