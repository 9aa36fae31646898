/**
 * `repod breaking`: the changes between two versions of a protocol that
 * would stop a server built from the new version from playing with clients
 * built from the earlier one — the order of a deploy: the server first,
 * clients as their players update.
 *
 * For `ClientMessages` the new server reads what earlier clients write; for
 * `ServerMessages` earlier clients read what the new server writes. Each
 * pair of message versions goes through the compatibility rules the
 * handshake applies (`repod/compat`, imported from the runtime), plus
 * two retirement rules: a message or a message's field may be removed only
 * once it was `@deprecated` in the version compared against. Requests
 * (`ClientRequests`, `ServerRequests`) go the same way, their fields as
 * their direction's messages and their reply the other way round: the new
 * server answers earlier clients' requests, earlier clients answer its own.
 *
 * @example
 * ```ts
 * for (const change of breakingChanges(modelsAtMain, modelsNow)) console.log(formatBreakingChange(change));
 * // protocol/game.protocol.ts:14:11: ClientMessages.move.dir: ... [FIELD_RETYPED] Instead: ...
 * ```
 */
import { COMPAT_RULES, type ReadProblem, readProblems, type SchemaType } from "repod/compat";
import type { Direction, FieldModel, FieldType, MessageModel, ProtocolModel, RequestModel, SourceLocation } from "./model.ts";

/** Every rule `repod breaking` checks. */
export const BREAKING_RULES = {
  /** A message was removed without being `@deprecated` first. */
  MESSAGE_REMOVED: "MESSAGE_REMOVED",
  /** A request was removed without being `@deprecated` first. */
  REQUEST_REMOVED: "REQUEST_REMOVED",
  /** A message's field was removed without being `@deprecated` first. */
  FIELD_REMOVED: "FIELD_REMOVED",
  /** A protocol file (with messages) was removed. */
  PROTOCOL_REMOVED: "PROTOCOL_REMOVED",
  ...COMPAT_RULES,
} as const;

/** A rule of {@link BREAKING_RULES}. */
export type BreakingRule = (typeof BREAKING_RULES)[keyof typeof BREAKING_RULES];

/** One breaking change: where, which rule, what happens, what to do instead. */
export interface BreakingChange extends SourceLocation {
  readonly rule: BreakingRule;
  readonly message: string;
  readonly instead: string;
}

const SIDE: Record<Direction, string> = { client: "ClientMessages", server: "ServerMessages" };
const ASKS: Record<Direction, string> = { client: "ClientRequests", server: "ServerRequests" };
const REQUESTS = { client: "clientRequests", server: "serverRequests" } as const;
const OTHER: Record<Direction, Direction> = { client: "server", server: "client" };

/**
 * The breaking changes from `before` to `after` (models of the same
 * protocols, matched by name), sorted by file, line and column.
 */
export function breakingChanges(before: readonly ProtocolModel[], after: readonly ProtocolModel[]): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const old of before) {
    if (!old.hasMessages) continue;
    const now = after.find((model) => model.name === old.name);
    if (now === undefined) {
      changes.push({
        file: old.source,
        line: 1,
        column: 1,
        rule: BREAKING_RULES.PROTOCOL_REMOVED,
        message: `the ${old.name} protocol is gone, and clients built from it can no longer play`,
        instead: "keep the protocol file; retire its messages one by one with @deprecated",
      });
      continue;
    }
    for (const direction of ["client", "server"] as const) {
      compareDirection(old, now, direction, changes);
      compareRequests(old, now, direction, changes);
    }
  }
  return changes.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

function compareDirection(old: ProtocolModel, now: ProtocolModel, direction: Direction, out: BreakingChange[]): void {
  const oldTypes = typesOf(old);
  const newTypes = typesOf(now);
  for (const before of old[direction]) {
    const after = now[direction].find((m) => m.action === before.action);
    const name = `${SIDE[direction]}.${before.action}`;
    if (after === undefined) {
      if (before.deprecated === true) continue;
      const became = now[REQUESTS[direction]].some((r) => r.action === before.action) ? " (it is a request now)" : "";
      out.push({
        ...before.location,
        rule: BREAKING_RULES.MESSAGE_REMOVED,
        message:
          direction === "client"
            ? `${name} was removed${became}, but clients built from the earlier version still send it`
            : `${name} was removed${became}, but clients built from the earlier version still wait for it`,
        instead: "put it back with @deprecated in its doc; remove it in a later version, once no client built before still uses it",
      });
      continue;
    }
    compareBodies(before, after, oldTypes, newTypes, direction, name, out);
  }
}

/** Requests one way: removed, their fields (as the direction's messages), their reply (read the other way). */
function compareRequests(old: ProtocolModel, now: ProtocolModel, direction: Direction, out: BreakingChange[]): void {
  const oldTypes = typesOf(old);
  const newTypes = typesOf(now);
  for (const before of old[REQUESTS[direction]]) {
    const after = now[REQUESTS[direction]].find((r) => r.action === before.action);
    const name = `${ASKS[direction]}.${before.action}`;
    if (after === undefined) {
      if (before.deprecated === true) continue;
      out.push({
        ...before.location,
        rule: BREAKING_RULES.REQUEST_REMOVED,
        message:
          direction === "client"
            ? `${name} was removed, but clients built from the earlier version still ask it`
            : `${name} was removed, but clients built from the earlier version still wait to be asked it`,
        instead: "put it back with @deprecated in its doc; remove it in a later version, once no client built before still uses it",
      });
      continue;
    }
    compareBodies(before, after, oldTypes, newTypes, direction, name, out);
    // The reply goes the other way: written by the side that answers.
    const reply = OTHER[direction];
    const problems =
      reply === "client"
        ? readProblems(before.reply as SchemaType, oldTypes, after.reply as SchemaType, newTypes)
        : readProblems(after.reply as SchemaType, newTypes, before.reply as SchemaType, oldTypes);
    for (const problem of problems) out.push(describe(problem, reply, `${name}'s reply`, after));
  }
}

/** A message's or a request's fields, from the earlier version to the new one. */
function compareBodies(
  before: MessageModel | RequestModel,
  after: MessageModel | RequestModel,
  oldTypes: Record<string, SchemaType>,
  newTypes: Record<string, SchemaType>,
  direction: Direction,
  name: string,
  out: BreakingChange[],
): void {
  if (before.deprecated !== true) {
    const newFields = new Set(fieldsOf(after, newTypes)?.map((f) => f.name) ?? []);
    for (const field of fieldsOf(before, oldTypes) ?? []) {
      if (newFields.has(field.name) || field.deprecated === true) continue;
      out.push({
        ...field.location,
        rule: BREAKING_RULES.FIELD_REMOVED,
        message: `${name}.${field.name} was removed without being deprecated first`,
        instead: "put it back with @deprecated in its doc; remove it in a later version",
      });
    }
  }
  // Who reads whom: the new server reads earlier clients; earlier clients read the new server.
  const problems =
    direction === "client"
      ? readProblems(before.body as SchemaType, oldTypes, after.body as SchemaType, newTypes)
      : readProblems(after.body as SchemaType, newTypes, before.body as SchemaType, oldTypes);
  for (const problem of problems) out.push(describe(problem, direction, name, after));
}

/** Named types by name, as the rules look them up. */
function typesOf(model: ProtocolModel): Record<string, SchemaType> {
  return Object.fromEntries(model.types.map((t) => [t.name, t.type as SchemaType]));
}

/** The fields of a message (its body, or the object type it names). */
function fieldsOf(message: MessageModel | RequestModel, types: Record<string, SchemaType>): readonly FieldModel[] | undefined {
  let body: FieldType | undefined = message.body;
  for (let hops = 0; body?.kind === "ref" && hops < 64; hops++) body = types[body.name] as FieldType | undefined;
  return body?.kind === "object" ? body.fields : undefined;
}

function describe(problem: ReadProblem, direction: Direction, name: string, after: MessageModel | RequestModel): BreakingChange {
  // Point at the new version's field where there is one: that is the line to change back.
  const newField = (direction === "client" ? problem.readerField : problem.writerField) as FieldModel | undefined;
  const oldField = (direction === "client" ? problem.writerField : problem.readerField) as FieldModel | undefined;
  const location = newField?.location ?? oldField?.location ?? after.location;
  const where = problem.path === "" ? name : `${name}.${problem.path}`;
  const earlier = "clients built from the earlier version";
  switch (problem.rule) {
    case COMPAT_RULES.FIELD_REQUIRED:
      return direction === "client"
        ? {
            ...location,
            rule: problem.rule,
            message: `${where} is now required, but ${earlier} ${problem.writes === "nothing" ? "do not send it" : "may leave it out"}`,
            instead: "make it optional (`?:`) and handle its absence in the server",
          }
        : {
            ...location,
            rule: problem.rule,
            message: `${where} may now be left out (${problem.writes === "nothing" ? "it was removed" : "it became optional"}), but ${earlier} require it`,
            instead: "keep it required and keep sending it for as long as such clients play",
          };
    case COMPAT_RULES.VALUES_NARROWED:
      return direction === "client"
        ? {
            ...location,
            rule: problem.rule,
            message: `${where} no longer accepts ${problem.writes}, which ${earlier} may send (now: ${problem.reads})`,
            instead: "keep accepting every value it accepted; narrow it only after a deprecation",
          }
        : {
            ...location,
            rule: problem.rule,
            message: `${where} may now be ${problem.writes}, which ${earlier} refuse (they accept ${problem.reads})`,
            instead: "send the new values in a new optional field or a new message, which earlier clients never get",
          };
    default:
      return {
        ...location,
        rule: problem.rule,
        message:
          direction === "client"
            ? `${where} changed type: ${earlier} send ${problem.writes}, the server now reads ${problem.reads}`
            : `${where} changed type: the server now sends ${problem.writes}, ${earlier} read ${problem.reads}`,
        instead: "keep the field's type; add a field (or a message) with the new type and deprecate the old one",
      };
  }
}

/** `protocol/game.protocol.ts:14:11: ClientMessages.move.dir changed type: … [FIELD_RETYPED]\n  instead: …` */
export function formatBreakingChange(change: BreakingChange): string {
  return `${change.file}:${change.line}:${change.column}: ${change.message} [${change.rule}]\n  instead: ${change.instead}`;
}
