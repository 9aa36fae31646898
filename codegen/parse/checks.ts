/**
 * Checks that need the whole model: a message's fields (through a named
 * type) may not include `action`, a message named by reference must be an
 * object type, and type aliases may not be only themselves.
 */
import type { FieldType, MessageModel, NamedTypeModel, ObjectType, ProtocolModel, RequestModel } from "../model.ts";
import type { ParseContext } from "./context.ts";

/** Reports what is wrong with a complete model. */
export function checkModel(ctx: ParseContext, model: ProtocolModel): void {
  const types = new Map(model.types.map((t) => [t.name, t]));
  for (const message of [...model.client, ...model.server]) checkMessage(ctx, message, types);
  for (const request of [...model.clientRequests, ...model.serverRequests]) checkRequest(ctx, request, types);
  checkOverlap(ctx, model.client, model.clientRequests, "clients");
  checkOverlap(ctx, model.server, model.serverRequests, "the server");
  for (const type of model.types) checkAlias(ctx, type, types);
}

function checkMessage(ctx: ParseContext, message: MessageModel, types: ReadonlyMap<string, NamedTypeModel>): void {
  // A reference to a type that did not convert was reported where that type is.
  if (message.body.kind === "ref" && !types.has(message.body.name)) return;
  const body = objectOf(message.body, types, new Set());
  if (body === undefined) {
    ctx.reportAt(
      message.location,
      "BAD_MESSAGE",
      `a message's type is an object type of its fields, and \`${message.body.kind === "ref" ? message.body.name : "this"}\` is not one: write \`${message.action}: { field: T }\``,
    );
    return;
  }
  // Inline bodies were checked by the parser (see actionFieldMessage); a named type's fields are checked here.
  if (message.body.kind !== "ref") return;
  const field = body.fields.find((f) => f.name === "action");
  if (field !== undefined) ctx.reportAt(field.location, "RESERVED_FIELD", actionFieldMessage(message.action));
}

/** A request's fields given by a named type must be an object type without `action` or `_rid`. */
function checkRequest(ctx: ParseContext, request: RequestModel, types: ReadonlyMap<string, NamedTypeModel>): void {
  if (request.body.kind !== "ref" || !types.has(request.body.name)) return;
  const body = objectOf(request.body, types, new Set());
  if (body === undefined) {
    ctx.reportAt(
      request.location,
      "BAD_REQUEST",
      `a request's parameter is an object type of its fields, and \`${request.body.name}\` is not one: write \`${request.action}(data: { field: T }): Reply\``,
    );
    return;
  }
  for (const field of body.fields) {
    if (field.name === "action" || field.name === REQUEST_ID_FIELD)
      ctx.reportAt(field.location, "RESERVED_FIELD", requestFieldMessage(field.name, request.action));
  }
}

/** A message and a request of one side cannot share an action: the receiver tells them apart by it. */
function checkOverlap(ctx: ParseContext, messages: readonly MessageModel[], requests: readonly RequestModel[], sender: string): void {
  const actions = new Set(messages.map((m) => m.action));
  for (const request of requests) {
    if (actions.has(request.action)) {
      ctx.reportAt(request.location, "DUPLICATE", `\`${request.action}\` is both a message and a request ${sender} send: rename one`);
    }
  }
}

/** The object type a message body stands for, following aliases; `undefined` when it is not an object. */
export function objectOf(type: FieldType, types: ReadonlyMap<string, NamedTypeModel>, seen: Set<string>): ObjectType | undefined {
  if (type.kind === "object") return type;
  if (type.kind !== "ref" || seen.has(type.name)) return undefined;
  seen.add(type.name);
  const target = types.get(type.name);
  return target === undefined ? undefined : objectOf(target.type, types, seen);
}

/** `type A = B | null; type B = A`: a cycle through nothing but aliases and unions has no structure to stop it. */
function checkAlias(ctx: ParseContext, type: NamedTypeModel, types: ReadonlyMap<string, NamedTypeModel>): void {
  if (type.declaration !== "alias") return;
  const visit = (t: FieldType, seen: Set<string>): boolean => {
    if (t.kind === "union") return t.members.some((m) => visit(m, seen));
    if (t.kind !== "ref") return false;
    if (t.name === type.name) return true;
    if (seen.has(t.name)) return false;
    seen.add(t.name);
    const target = types.get(t.name);
    return target !== undefined && target.declaration === "alias" && visit(target.type, seen);
  };
  if (visit(type.type, new Set())) {
    ctx.reportAt(
      type.location,
      "CIRCULAR_ALIAS",
      `the type alias \`${type.name}\` refers to itself with nothing in between: recursion must pass through an object, array, tuple or Record (e.g. interface Node { children: Node[] })`,
    );
  }
}

/** Why a message may not have a field named `action`. */
export function actionFieldMessage(action: string): string {
  return `\`action\` holds the message's name and cannot be a field of \`${action}\`: rename the field (e.g. kind)`;
}

/** The key a request carries its id in, on the wire; a request may not declare a field of that name. */
export const REQUEST_ID_FIELD = "_rid";

/** Why a request may not have a field named `action` or `_rid`. */
export function requestFieldMessage(field: string, action: string): string {
  if (field === REQUEST_ID_FIELD) {
    return `\`${REQUEST_ID_FIELD}\` carries the request's id on the wire and cannot be a field of \`${action}\`: rename the field`;
  }
  return actionFieldMessage(action);
}
