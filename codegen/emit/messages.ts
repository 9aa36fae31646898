/**
 * Emits the message types: per direction, an interface from action to
 * message (the fields plus `action`) and the union of its messages.
 *
 * Input: `interface ClientMessages { /** Pick a name. *\/ nickname: { nickname: string } }` in chat.
 * Output:
 * ```ts
 * export interface ChatClientMessages {
 *   /** Pick a name. *\/
 *   nickname: { action: "nickname"; nickname: string };
 * }
 *
 * export type ChatClientMessage = ChatClientMessages[keyof ChatClientMessages];
 * ```
 * An empty direction gives an empty interface and `never`. A message whose
 * fields are a named type is `{ action: "move" } & Move`.
 */
import type { Direction, MessageModel, ObjectType, RequestModel } from "../model.ts";
import type { EmitContext } from "./context.ts";
import { printType } from "./type-printer.ts";
import type { CodeWriter } from "./writer.ts";

/** What each direction's types say in their docs. */
const DIRECTION_DOCS: Readonly<Record<Direction, { readonly sender: string; readonly receiver: string }>> = {
  client: { sender: "a client sends", receiver: "the server" },
  server: { sender: "the server sends", receiver: "clients" },
};

/** Writes both directions' message interfaces and unions. */
export function emitMessageTypes(ctx: EmitContext, w: CodeWriter): void {
  emitDirection(ctx, w, "client", ctx.model.client, ctx.names.clientMessages, ctx.names.clientMessage);
  emitDirection(ctx, w, "server", ctx.model.server, ctx.names.serverMessages, ctx.names.serverMessage);
}

function emitDirection(ctx: EmitContext, w: CodeWriter, direction: Direction, messages: readonly MessageModel[], mapName: string, unionName: string): void {
  const { sender, receiver } = DIRECTION_DOCS[direction];
  w.blank();
  w.doc(`The messages ${sender} to ${receiver}, by action.`);
  if (messages.length === 0) {
    w.line(`export interface ${mapName} {}`);
  } else {
    w.block(`export interface ${mapName} {`, () => {
      for (const message of messages) {
        w.doc(message.doc);
        const prefix = `${w.indent}${message.action}: `;
        w.raw(`${prefix}${messageType(ctx, message, w.indent.length, prefix.length)};`);
      }
    });
  }
  w.blank();
  w.doc(`Any message ${sender} to ${receiver}.`);
  w.line(`export type ${unionName} = ${messages.length === 0 ? "never" : `${mapName}[keyof ${mapName}]`};`);
}

/**
 * Writes, for each side that sends requests, the request types by action
 * (`{ action: "join"; room: string }`, what the handler receives) and the
 * reply types by action. Nothing for a protocol without requests.
 *
 * ```ts
 * export interface TagClientRequests { join: { action: "join"; name: string } }
 * export interface TagClientReplies { join: { you: string; arena: Arena } }
 * ```
 */
export function emitRequestTypes(ctx: EmitContext, w: CodeWriter): void {
  const sides = [
    ["client", ctx.model.clientRequests, ctx.names.clientRequests, ctx.names.clientReplies],
    ["server", ctx.model.serverRequests, ctx.names.serverRequests, ctx.names.serverReplies],
  ] as const;
  for (const [direction, requests, mapName, repliesName] of sides) {
    if (requests.length === 0) continue;
    const { sender, receiver } = DIRECTION_DOCS[direction];
    w.blank();
    w.doc(`The requests ${sender} to ${receiver}, by action: what the handler that answers receives.`);
    w.block(`export interface ${mapName} {`, () => {
      for (const request of requests) {
        w.doc(request.doc);
        const prefix = `${w.indent}${request.action}: `;
        w.raw(`${prefix}${messageType(ctx, request, w.indent.length, prefix.length)};`);
      }
    });
    w.blank();
    w.doc(`The reply to each request ${sender} to ${receiver}, by action.`);
    w.block(`export interface ${repliesName} {`, () => {
      for (const request of requests) {
        const prefix = `${w.indent}${request.action}: `;
        w.raw(`${prefix}${printType(request.reply, ctx, w.indent.length, prefix.length)};`);
      }
    });
  }
}

/** `{ action: "x"; ...fields }`, or `{ action: "x" } & Named` for fields given by a named type. */
function messageType(ctx: EmitContext, message: MessageModel | RequestModel, indent: number, column: number): string {
  const action = {
    name: "action",
    type: { kind: "literal", value: message.action },
    optional: false,
    readonly: false,
    location: message.location,
  } as const;
  if (message.body.kind === "ref") return `{ action: ${JSON.stringify(message.action)} } & ${message.body.name}`;
  const body: ObjectType = { kind: "object", fields: [action, ...message.body.fields] };
  return printType(body, ctx, indent, column);
}
