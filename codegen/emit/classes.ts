/**
 * Emits the classes a game extends: the server's abstract channel (one
 * abstract `Network_<action>` per client message), the client's abstract
 * listener (one per server message), and the typed server.
 *
 * Output (chat, abridged):
 * ```ts
 * export abstract class ChatChannel extends Channel<ChatServerMessage, ChatClientMessage> {
 *   static override readonly protocol: ProtocolDescriptor = chatProtocol;
 *   /** Choose the name the others see. *\/
 *   abstract Network_nickname(data: ChatClientMessages["nickname"]): void | Promise<void>;
 * }
 * export abstract class ChatListener extends ConnectionListener<ChatClientMessage, ChatServerMessage> { ... }
 * export class ChatServer<C extends ChatChannel = ChatChannel> extends Server<C> {}
 * ```
 */
import type { MessageModel, RequestModel } from "../model.ts";
import type { EmitContext } from "./context.ts";
import type { CodeWriter } from "./writer.ts";

/**
 * How the subclass declares the runtime's `static protocol`. The runtime's
 * `Channel` and `ConnectionListener` declare `static readonly protocol?:
 * ProtocolDescriptor`, so the generated classes override it.
 */
export const PROTOCOL_FIELD = "static override readonly protocol";

/** Writes the channel, listener and server classes. */
export function emitClasses(ctx: EmitContext, w: CodeWriter): void {
  const { names, model } = ctx;
  const descriptorType = ctx.runtime("ProtocolDescriptor");

  w.blank();
  w.doc(
    `The server's side of one client's connection in the ${model.name} protocol. Extend it and\n` +
      "implement one `Network_<action>` handler per client message (a forgotten one does not\n" +
      "compile); `send()` takes only messages the server may send. Messages are validated\n" +
      "before any handler sees them.\n\n" +
      "@example\n" +
      "```ts\n" +
      `class GameChannel extends ${names.channel} {\n` +
      exampleHandlers(model.client, names.clientMessages) +
      exampleAnswers(model.clientRequests, names.clientRequests, names.clientReplies) +
      "}\n" +
      `const server = new ${names.server}({ channelClass: GameChannel, port: 0 });\n` +
      "```",
  );
  const auth = model.auth === undefined ? undefined : model.auth.type.name;
  const channelArgs = `${names.serverMessage}, ${names.clientMessage}, TUser${auth === undefined ? "" : `, ${auth}`}`;
  w.block(`export abstract class ${names.channel}<TUser = unknown> extends ${ctx.runtime("Channel")}<${channelArgs}> {`, () => {
    w.line(`${PROTOCOL_FIELD}: ${descriptorType} = ${names.descriptor};`);
    if (model.session !== undefined) {
      w.blank();
      w.doc(
        "The game's own state of this player (the protocol's `Session`): set it and change it in handlers.\n" +
          "With cluster sessions it moves with the session to the server the client resumes on\n" +
          "(checked against `Session` there, and restored before `onResume`); nothing else of the channel does.",
      );
      w.line(`override session: ${model.session.type.name} | undefined = undefined;`);
    }
    handlers(w, model.client, names.clientMessages, "void | Promise<void>", "a client sends");
    answers(w, model.clientRequests, names.clientRequests, names.clientReplies, "a client sends");
    asker(ctx, w, model.serverRequests, names.serverRequests, names.serverReplies, "this client", names.channel, names.serverMessage);
  });

  w.blank();
  w.doc(
    `A client of the ${model.name} protocol. Extend it and implement one \`Network_<action>\`\n` +
      "handler per server message (the built-in events `Network_connected`, `Network_error`, ...\n" +
      "stay optional); `send()` takes only messages a client may send. Call `pump()` once per\n" +
      "frame of the game loop.\n\n" +
      "@example\n" +
      "```ts\n" +
      `class Game extends ${names.listener} {\n` +
      exampleHandlers(model.server, names.serverMessages) +
      exampleAnswers(model.serverRequests, names.serverRequests, names.serverReplies) +
      "}\n" +
      "const game = new Game();\n" +
      'await game.connect("127.0.0.1", 5071);\n' +
      "setInterval(() => game.pump(), 16);\n" +
      "```",
  );
  const listenerArgs = `${names.clientMessage}, ${names.serverMessage}${auth === undefined ? "" : `, ${auth}`}`;
  w.block(`export abstract class ${names.listener} extends ${ctx.runtime("ConnectionListener")}<${listenerArgs}> {`, () => {
    w.line(`${PROTOCOL_FIELD}: ${descriptorType} = ${names.descriptor};`);
    handlers(w, model.server, names.serverMessages, "void", "the server sends");
    answers(w, model.serverRequests, names.serverRequests, names.serverReplies, "the server sends");
    asker(ctx, w, model.clientRequests, names.clientRequests, names.clientReplies, "the server", names.listener, names.clientMessage);
  });

  w.blank();
  w.doc(`A server of the ${model.name} protocol: \`sendToAll()\`, \`sendToGroup()\` and \`sendTo()\` take only server messages.`);
  w.line(`export class ${names.server}<C extends ${names.channel}<any> = ${names.channel}> extends ${ctx.runtime("Server")}<C> {}`);
}

function handlers(w: CodeWriter, messages: readonly MessageModel[], mapName: string, returns: string, sender: string): void {
  for (const message of messages) {
    w.blank();
    w.doc(message.doc ?? `Called with each \`${message.action}\` message ${sender}.`);
    w.line(`abstract Network_${message.action}(data: ${mapName}[${JSON.stringify(message.action)}]): ${returns};`);
  }
}

/** One abstract `Request_<action>` per request the other side sends: it returns the reply, or a promise of it. */
function answers(w: CodeWriter, requests: readonly RequestModel[], mapName: string, repliesName: string, sender: string): void {
  for (const request of requests) {
    const action = JSON.stringify(request.action);
    w.blank();
    w.doc(
      `${request.doc ?? `Answers each \`${request.action}\` request ${sender}.`}\n\n` +
        "Return the reply (or a promise of it); throw a `RequestError` to refuse with a reason the asker sees.",
    );
    w.line(`abstract Request_${request.action}(data: ${mapName}[${action}]): ${repliesName}[${action}] | Promise<${repliesName}[${action}]>;`);
  }
}

/** A `request()` typed by the requests this side sends, and `supports()` that takes them too (none: the untyped ones stay). */
function asker(
  ctx: EmitContext,
  w: CodeWriter,
  requests: readonly RequestModel[],
  mapName: string,
  repliesName: string,
  to: string,
  className: string,
  sends: string,
): void {
  const first = requests[0];
  if (first === undefined) return;
  const action = JSON.stringify(first.action);
  const options = ctx.runtime("RequestOptions");
  w.blank();
  w.doc(
    `Asks ${to} and resolves with its reply (checked like any message). Rejects with a\n` +
      "`RepodError`: REQUEST_FAILED (refused, with its reason), REQUEST_TIMEOUT, ABORTED, or the\n" +
      "code that ended the connection.\n\n" +
      "@example\n```ts\n" +
      `async function ask(side: ${className}, data: Omit<${mapName}[${action}], "action">): Promise<${repliesName}[${action}]> {\n` +
      `  return await side.request(${action}, data, { timeoutMs: 5000 });\n` +
      "}\n```",
  );
  w.block(
    `override request<A extends keyof ${mapName} & string>(action: A, data: Omit<${mapName}[A], "action">, options?: ${options}): Promise<${repliesName}[A]> {`,
    () => w.line(`return super.request(action, data, options) as Promise<${repliesName}[A]>;`),
  );
  w.blank();
  w.doc(
    `Whether ${to} reads this message or answers this request: false for one its version of the
` + "protocol does not have (sending or asking it is refused with NOT_SUPPORTED).",
  );
  w.block(`override supports(action: ${sends}["action"] | (keyof ${mapName} & string)): boolean {`, () =>
    w.line(`return super.supports(action as ${sends}["action"]);`),
  );
}

/** Every request handler the class must implement, in an example. */
function exampleAnswers(requests: readonly RequestModel[], mapName: string, repliesName: string): string {
  return requests
    .map((request) => {
      const action = JSON.stringify(request.action);
      return (
        `  Request_${request.action}(data: ${mapName}[${action}]): ${repliesName}[${action}] {\n` +
        `    throw new Error("return the reply (or throw a RequestError to refuse)");\n` +
        "  }\n"
      );
    })
    .join("");
}

/** Every handler the class must implement: an example that leaves one out would not compile. */
function exampleHandlers(messages: readonly MessageModel[], mapName: string): string {
  return messages.map((message) => `  Network_${message.action}(data: ${mapName}[${JSON.stringify(message.action)}]) {}\n`).join("");
}
