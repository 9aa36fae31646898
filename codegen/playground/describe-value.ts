/**
 * The runtime's `describeValue` (runtime/protocol.ts), which generated
 * validators call to name what they got. The playground gives the page a copy
 * of its source with each protocol's validators, so that the page refuses a
 * bad value with the very message the server would give. The generator's
 * package does not depend on the runtime, hence this copy; a test checks the
 * two agree.
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "bytes";
  const type = typeof value;
  if (type !== "object") return type;
  // What a msgpack extension type decodes to (a Date, a Set…): name it, it is not a map.
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto === Object.prototype || proto === null ? "object" : (proto.constructor?.name ?? "object");
}
