/**
 * Emits the protocol descriptor: the constant the runtime reads through a
 * channel's or listener's `static protocol` — name, fingerprint, and the
 * validator of every action of each direction.
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
import type { EmitContext } from "./context.ts";
import type { ValidatorNames } from "./validators.ts";
import type { CodeWriter } from "./writer.ts";

/** Writes the descriptor constant. */
export function emitDescriptor(ctx: EmitContext, w: CodeWriter, validators: ValidatorNames): void {
  const { model, names } = ctx;
  w.blank();
  w.doc(
    `The ${model.name} protocol as the runtime sees it: its name, its fingerprint (peers with\n` +
      "another fingerprint are refused), and the validator run on every message received.",
  );
  w.block(`export const ${names.descriptor}: ${ctx.runtime("ProtocolDescriptor")} = {`, () => {
    w.line(`name: ${JSON.stringify(model.name)},`);
    w.line(`fingerprint: ${JSON.stringify(fingerprint(model))},`);
    for (const direction of ["client", "server"] as const satisfies readonly Direction[]) {
      const entries = [...validators[direction]];
      if (entries.length === 0) {
        w.line(`${direction}: {},`);
        continue;
      }
      w.block(`${direction}: {`, () => {
        for (const [action, fn] of entries) w.line(`${action}: ${fn},`);
      }, "},");
    }
    const { replies } = validators;
    if (replies.client.size + replies.server.size === 0) return;
    w.block("replies: {", () => {
      for (const direction of ["client", "server"] as const satisfies readonly Direction[]) {
        const entries = [...replies[direction]];
        if (entries.length === 0) {
          w.line(`${direction}: {},`);
          continue;
        }
        w.block(`${direction}: {`, () => {
          for (const [action, fn] of entries) w.line(`${action}: ${fn},`);
        }, "},");
      }
    }, "},");
  }, "};");
}
