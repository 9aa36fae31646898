/**
 * Names shared by the parse stage (which refuses clashing names) and the
 * emitters (which write them): the protocol's name from its file name, the
 * public names of a generated file, and what counts as a valid action or
 * field name.
 *
 * @example
 * ```ts
 * protocolNameOf("protocol/lag_time.protocol.ts"); // "lag_time"
 * publicNames("lag_time").channel;                   // "LagTimeChannel"
 * publicNames("lag_time").descriptor;                // "lagTimeProtocol"
 * ```
 */

/** Suffix of every protocol file. */
export const PROTOCOL_SUFFIX = ".protocol.ts";

/**
 * Actions the runtime raises or uses itself. `reconnecting`/`reconnected`
 * are kept for session resume; every action starting with `_` is a control frame.
 */
export const RESERVED_ACTIONS: readonly string[] = ["connected", "disconnected", "error", "socketConnect", "reconnecting", "reconnected"];

/**
 * Valid action and field names: what both TypeScript and Python accept as an
 * identifier, in ASCII, so `Network_<action>` is a method name in both.
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Valid protocol names (the file name without `.protocol.ts`). */
export const PROTOCOL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** `protocol/lag_time.protocol.ts` -> `lag_time`. */
export function protocolNameOf(file: string): string {
  const base = file.replace(/\\/g, "/").split("/").pop() ?? file;
  return base.endsWith(PROTOCOL_SUFFIX) ? base.slice(0, -PROTOCOL_SUFFIX.length) : base;
}

/** `lag_time` -> `LagTime`, `my-game` -> `MyGame`. */
export function pascalCase(name: string): string {
  return name
    .split(/[-_]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

/** `lag_time` -> `lagTime`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.length === 0 ? pascal : pascal[0].toLowerCase() + pascal.slice(1);
}

/** The exported names of the generated file for a protocol. */
export interface PublicNames {
  /** `ChatClientMessages`: action -> message type. */
  readonly clientMessages: string;
  /** `ChatClientMessage`: the union of client messages. */
  readonly clientMessage: string;
  readonly serverMessages: string;
  readonly serverMessage: string;
  /** `ChatClientRequests`: action -> request message type (requests clients send). */
  readonly clientRequests: string;
  /** `ChatClientReplies`: action -> the reply type of a client's request. */
  readonly clientReplies: string;
  readonly serverRequests: string;
  readonly serverReplies: string;
  /** `chatProtocol`: the ProtocolDescriptor constant. */
  readonly descriptor: string;
  /** `ChatChannel`: the server's abstract channel class. */
  readonly channel: string;
  /** `ChatListener`: the client's abstract connection listener class. */
  readonly listener: string;
  /** `ChatServer`: the typed server class. */
  readonly server: string;
}

/** The exported names of the generated file for protocol `name`. */
export function publicNames(name: string): PublicNames {
  const prefix = pascalCase(name);
  return {
    clientMessages: `${prefix}ClientMessages`,
    clientMessage: `${prefix}ClientMessage`,
    serverMessages: `${prefix}ServerMessages`,
    serverMessage: `${prefix}ServerMessage`,
    clientRequests: `${prefix}ClientRequests`,
    clientReplies: `${prefix}ClientReplies`,
    serverRequests: `${prefix}ServerRequests`,
    serverReplies: `${prefix}ServerReplies`,
    descriptor: `${camelCase(name)}Protocol`,
    channel: `${prefix}Channel`,
    listener: `${prefix}Listener`,
    server: `${prefix}Server`,
  };
}

/** Whether `name` is an action the runtime keeps for itself. */
export function isReservedAction(name: string): boolean {
  return name.startsWith("_") || RESERVED_ACTIONS.includes(name);
}
