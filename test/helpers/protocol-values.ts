/**
 * Values of a protocol's types, read from the generator's model: the
 * arbitraries that property tests and integration tests feed to validators
 * and to real connections.
 */
import fc from "fast-check";
import type { FieldType, NamedTypeModel, ProtocolModel } from "../../codegen/model.ts";
import { parseProtocols } from "../../codegen/parse/index.ts";

export interface ProtocolValues {
  model: ProtocolModel;
  types: ReadonlyMap<string, NamedTypeModel>;
  /** Values of `type`; recursion stops at `depth` with empty arrays and maps. */
  valuesOf(type: FieldType, depth: number): fc.Arbitrary<unknown>;
}

export function protocolValues(file: string): ProtocolValues {
  const model = parseProtocols([file]).protocols[0]!;
  const types: ReadonlyMap<string, NamedTypeModel> = new Map(model.types.map((t) => [t.name, t]));

  /** Values of `type`; recursion stops at `depth` with empty arrays and maps. */
  function valuesOf(type: FieldType, depth: number): fc.Arbitrary<unknown> {
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
        return depth <= 0 ? fc.constant([]) : fc.array(valuesOf(type.element, depth - 1), { maxLength: 3 });
      case "tuple":
        return fc.tuple(...type.elements.map((e) => valuesOf(e.type, depth)));
      case "record":
        return depth <= 0
          ? fc.constant({})
          : fc.dictionary(
              fc.string().filter((k) => k !== "__proto__"),
              valuesOf(type.value, depth - 1),
              { maxKeys: 3 },
            );
      case "object":
        return fc.record(Object.fromEntries(type.fields.map((f) => [f.name, valuesOf(f.type, depth)])), {
          requiredKeys: type.fields.filter((f) => !f.optional).map((f) => f.name),
        });
      case "union":
        return fc.oneof(...type.members.map((m) => valuesOf(m, depth)));
      case "ref": {
        const target = types.get(type.name);
        if (target === undefined) throw new Error(`no type ${type.name}`);
        return valuesOf(target.type, depth - 1);
      }
    }
  }
  return { model, types, valuesOf };
}
