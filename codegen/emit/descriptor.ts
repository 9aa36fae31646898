/**
 * Emits the protocol descriptor: the constant the runtime reads through a
 * channel's or listener's `static protocol` — name, fingerprint, the
 * validator of every action of each direction, and the wire schema that a
 * peer of another version of the protocol is judged against (one line per
 * message and named type).
 *
 * Output:
 * ```ts
 * export const chatProtocol: ProtocolDescriptor = {
 *   name: "chat",
 *   fingerprint: "4f1c2e0a9b7d3e55",
 *   client: { nickname: validateClientNickname, message: validateClientMessage },
 *   server: { ... },
 * };
 * ```
 */
import { fingerprint } from "../fingerprint.ts";
import type { Direction } from "../model.ts";
import { schemaOf } from "../schema.ts";
import type { EmitContext } from "./context.ts";
import type { ValidatorNames } from "./validators.ts";
import type { CodeWriter } from "./writer.ts";

/** Writes the descriptor constant. */
export function emitDescriptor(ctx: EmitContext, w: CodeWriter, validators: ValidatorNames): void {
  const { model, names } = ctx;
  w.blank();
  w.doc(
    `The ${model.name} protocol as the runtime sees it: its name, its fingerprint (peers with\n` +
      "another fingerprint are judged by their schema), the validator run on every message\n" +
      "received, and the schema of every message.",
  );
  w.block(
    `export const ${names.descriptor}: ${ctx.runtime("ProtocolDescriptor")} = {`,
    () => {
      w.line(`name: ${JSON.stringify(model.name)},`);
      w.line(`fingerprint: ${JSON.stringify(fingerprint(model))},`);
      for (const direction of ["client", "server"] as const satisfies readonly Direction[]) {
        const entries = [...validators[direction]];
        if (entries.length === 0) {
          w.line(`${direction}: {},`);
          continue;
        }
        w.block(
          `${direction}: {`,
          () => {
            for (const [action, fn] of entries) w.line(`${action}: ${fn},`);
          },
          "},",
        );
      }
      if (validators.auth !== undefined) w.line(`auth: ${validators.auth},`);
      if (validators.session !== undefined) w.line(`session: ${validators.session},`);
      const limited = model.client.filter((m) => m.rateLimit !== undefined);
      if (limited.length > 0) {
        w.block(
          "rateLimits: {",
          () => {
            for (const m of limited) w.line(`${m.action}: { perSecond: ${m.rateLimit!.perSecond}, burst: ${m.rateLimit!.burst} },`);
          },
          "},",
        );
      }
      const schema = schemaOf(model);
      w.block(
        "schema: {",
        () => {
          for (const part of ["client", "server", "types", "clientRequests", "serverRequests"] as const) {
            const list = schema[part];
            if (list === undefined) continue;
            const entries = Object.entries(list);
            if (entries.length === 0) {
              w.line(`${part}: {},`);
              continue;
            }
            w.block(
              `${part}: {`,
              () => {
                for (const [name, type] of entries) for (const line of printValue(`${name}: `, type, ",", w.indent.length)) w.line(line);
              },
              "},",
            );
          }
        },
        "},",
      );
      const { replies } = validators;
      if (replies.client.size + replies.server.size === 0) return;
      w.block(
        "replies: {",
        () => {
          for (const direction of ["client", "server"] as const satisfies readonly Direction[]) {
            const entries = [...replies[direction]];
            if (entries.length === 0) {
              w.line(`${direction}: {},`);
              continue;
            }
            w.block(
              `${direction}: {`,
              () => {
                for (const [action, fn] of entries) w.line(`${action}: ${fn},`);
              },
              "},",
            );
          }
        },
        "},",
      );
    },
    "};",
  );
}

/** Generated lines stay within this width where a value can be broken. */
const WIDTH = 120;

/**
 * A plain data value as TypeScript lines (relative indentation), on one line
 * when `prefix + value + suffix` fits in {@link WIDTH} at `indent`, else one
 * property or element a line.
 */
export function printValue(prefix: string, value: unknown, suffix: string, indent: number): string[] {
  const flat = `${prefix}${inline(value)}${suffix}`;
  if (indent + flat.length <= WIDTH || value === null || typeof value !== "object") return [flat];
  const lines: string[] = [];
  if (Array.isArray(value)) {
    lines.push(`${prefix}[`);
    for (const item of value) for (const line of printValue("", item, ",", indent + 2)) lines.push(`  ${line}`);
    lines.push(`]${suffix}`);
  } else {
    lines.push(`${prefix}{`);
    for (const [key, item] of Object.entries(value)) for (const line of printValue(`${key}: `, item, ",", indent + 2)) lines.push(`  ${line}`);
    lines.push(`}${suffix}`);
  }
  return lines;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${k}: ${inline(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}
